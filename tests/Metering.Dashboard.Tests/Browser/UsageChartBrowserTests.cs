using System.Globalization;
using System.Net;
using System.Text.Json;
using Commons.Metering.Dashboard.Tests.Api;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>The charts of use against the allowance: a member picks a range of days and sees its use
/// so far in each period against the allowance line, with the days before for comparison; the council
/// sees the community against its cap. Readings come from a device on the wire with device times on
/// two past days, so the figures are known exactly.</summary>
[Trait("Category", "Integration")]
public sealed class UsageChartBrowserTests(BrowserSession browser) : IClassFixture<BrowserSession>
{
    // Three days ago (UTC, the test policy's offset) and the day before it: away from midnight today.
    private static readonly DateTimeOffset Day = new(DateTime.UtcNow.Date.AddDays(-3), TimeSpan.Zero);
    private static string Iso(DateTimeOffset d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>w-h01 kitchen: 40 L on the day before, then 100 L and 150 L on the day (250 L). Each
    /// test publishes them; a second time they are duplicates by (meter, seq) and change nothing.</summary>
    private async Task PublishAsync()
    {
        var g = browser.Gateway;
        await g.PublishReadingAsync("w-h01", 1, Day.AddDays(-1).AddHours(8), ("kitchen", 0));
        await g.PublishReadingAsync("w-h01", 2, Day.AddDays(-1).AddHours(9), ("kitchen", 40_000));
        await g.PublishReadingAsync("w-h01", 3, Day.AddHours(8), ("kitchen", 40_000));
        await g.PublishReadingAsync("w-h01", 4, Day.AddHours(9), ("kitchen", 140_000));
        await g.PublishReadingAsync("w-h01", 5, Day.AddHours(10), ("kitchen", 290_000));
    }

    [Fact]
    public async Task SeriesApi_CountsEachPeriodFromItsStart_ComparesWithTheDaysBefore_AndRefusesBadInput()
    {
        await PublishAsync();
        using var member = await browser.Gateway.SignInAsync("member-h01");
        var url = $"api/v1/households/h01/series?resource=water&from={Iso(Day.AddDays(-1))}&to={Iso(Day)}";
        JsonElement v = default;
        Assert.True(await DashboardGatewayEventually(async () =>
        {
            v = JsonDocument.Parse(await member.GetStringAsync(url)).RootElement;
            return v.GetProperty("total").GetInt64() == 290_000;
        }), "the five readings never reached the series");
        Assert.Equal("hour", v.GetProperty("bucket").GetString());
        var buckets = v.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(48, buckets.Count);
        // The daily allowance counts from each day's start: 40 L by the end of the first day, back to 0 at midnight, 250 L by 10h.
        Assert.Equal(40_000, buckets[23].GetProperty("inPeriod").GetInt64());
        Assert.Equal(0, buckets[24].GetProperty("inPeriod").GetInt64());
        Assert.Equal(100_000, buckets[24 + 9].GetProperty("used").GetInt64());
        Assert.Equal(250_000, buckets[47].GetProperty("inPeriod").GetInt64());
        // Two daily periods spanned: the comparison is the two days before.
        Assert.Equal(Iso(Day.AddDays(-3)), v.GetProperty("previous").GetProperty("from").GetString());
        Assert.Equal(0, v.GetProperty("previous").GetProperty("total").GetInt64());
        Assert.Equal("allowance", v.GetProperty("limitKind").GetString());
        Assert.True(v.GetProperty("limit").GetInt64() > 0);

        using (var r = await member.GetAsync($"api/v1/households/h01/series?resource=water&from={Iso(Day)}&to={Iso(Day.AddDays(-1))}"))
            Assert.Contains("'to' must be the same day as 'from' or later", await ApiAssert.ProblemAsync(r, HttpStatusCode.BadRequest));
        using (var r = await member.GetAsync("api/v1/households/h01/series?resource=water&from=7.12.2026"))
            Assert.Contains("'from' must be a date as yyyy-MM-dd", await ApiAssert.ProblemAsync(r, HttpStatusCode.BadRequest));
        using (var r = await member.GetAsync("api/v1/households/h01/series?resource=water&from=2024-01-01&to=2026-01-01"))
            Assert.Contains("at most 400 days", await ApiAssert.ProblemAsync(r, HttpStatusCode.BadRequest));
        using (var r = await member.GetAsync("api/v1/households/h01/series?resource=gold"))
            Assert.Contains("'resource' must be one of", await ApiAssert.ProblemAsync(r, HttpStatusCode.BadRequest));
        using (var r = await member.GetAsync("api/v1/households/h02/series?resource=water"))
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);

        // The community: every household's channels, against the cap.
        using var council = await browser.Gateway.SignInAsync("amina");
        var c = JsonDocument.Parse(await council.GetStringAsync($"api/v1/community/series?resource=water&from={Iso(Day)}&to={Iso(Day)}")).RootElement;
        Assert.Equal(250_000, c.GetProperty("total").GetInt64());
        Assert.Equal(40_000, c.GetProperty("previous").GetProperty("total").GetInt64());
        Assert.Equal("cap", c.GetProperty("limitKind").GetString());
        Assert.Equal(1_500_000, c.GetProperty("limit").GetInt64());
    }

    [Fact]
    public async Task Member_ChoosesARange_AndSeesUseAgainstTheAllowance_WithTheDayBefore()
    {
        await PublishAsync();
        foreach (var (_, size) in BrowserSession.Widths)
        {
            var page = await browser.SignInAsync("member-h01", size);
            await page.GotoAsync("/dashboard/#/household/h01");
            var water = page.Locator("section[data-resource=water] .usage-series");
            await Expect(water.Locator("svg.usage-chart line.limit")).ToHaveCountAsync(1);
            await water.Locator("input[name=from]").FillAsync(Iso(Day));
            await water.Locator("input[name=to]").FillAsync(Iso(Day));
            await water.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
            water = page.Locator("section[data-resource=water] .usage-series");
            await Expect(water.Locator("li.current")).ToHaveAttributeAsync("data-total", "250000", new() { Timeout = 15_000 });
            await Expect(water.Locator("li.current")).ToContainTextAsync("250 L used");
            await Expect(water.Locator("li.previous")).ToContainTextAsync("40 L used");
            await Expect(water.Locator("li.limit")).ToContainTextAsync("Allowance ");
            await Expect(water.Locator("li.limit")).ToContainTextAsync("per day");
            await Expect(water.GetByRole(AriaRole.Link, new() { Name = "hourly use" }))
                .ToHaveAttributeAsync("href", $"/api/v1/households/h01/export.csv?from={Iso(Day)}&to={Iso(Day)}&what=usage");
            // 24 hour buckets of the day, the line drawn through each.
            await Expect(water.Locator("svg.usage-chart circle.current")).ToHaveCountAsync(24);
            await Expect(water.Locator("svg.usage-chart polyline.previous")).ToHaveCountAsync(1);
            await BrowserSession.AssertNoSidewaysScrollAsync(page);
            await BrowserSession.ScreenshotAsync(page, "household-range-member");
            // The range survives a live refresh of the page (a reading of the household's energy meter arrives every few seconds).
            await page.EvaluateAsync("() => M.render()");
            await Expect(page.Locator("section[data-resource=water] .usage-series li.current")).ToHaveAttributeAsync("data-total", "250000");
            await page.Locator("section[data-resource=water] .usage-series").GetByRole(AriaRole.Button, new() { Name = "Back to today" }).ClickAsync();
            await Expect(page.Locator("section[data-resource=water] .usage-series input[name=from]")).ToHaveValueAsync(Iso(DateTimeOffset.UtcNow));
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Council_SeesTheCommunityTrendAgainstTheCap()
    {
        await PublishAsync();
        foreach (var (_, size) in BrowserSession.Widths)
        {
            var page = await browser.SignInAsync("amina", size);
            await page.GetByRole(AriaRole.Link, new() { Name = "Trend" }).ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync("Community trend");
            await Expect(page.Locator("section[data-resource]")).ToHaveCountAsync(3);
            var water = page.Locator("section[data-resource=water] .usage-series");
            await water.Locator("input[name=from]").FillAsync(Iso(Day.AddDays(-1)));
            await water.Locator("input[name=to]").FillAsync(Iso(Day));
            await water.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
            water = page.Locator("section[data-resource=water] .usage-series");
            await Expect(water.Locator("li.current")).ToHaveAttributeAsync("data-total", "290000", new() { Timeout = 15_000 });
            await Expect(water.Locator("li.limit")).ToContainTextAsync("Sustainable cap 1,500 L per day");
            await BrowserSession.AssertNoSidewaysScrollAsync(page);
            await BrowserSession.ScreenshotAsync(page, "community-trend-council");
            await page.CloseAsync();
        }
    }

    private static Task<bool> DashboardGatewayEventually(Func<Task<bool>> condition) =>
        DashboardGateway.EventuallyAsync(condition, TimeSpan.FromSeconds(10));
}
