using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Commons.Metering.Testing;
using static Microsoft.Playwright.Assertions;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>The dashboard gateway (community demo) serving a region, river-a, of which it is itself a
/// member reporting over HTTP every second, with a second member (hillside) that never reports: the
/// region's 1,000 L a day are all demo's, stricter than demo's own 1,500 L.</summary>
public sealed class RegionBrowserSession : BrowserSession
{
    private const string Token = "demo-upstream-token";

    protected override void Configure(GatewayProcess process)
    {
        var e = process.Environment;
        e["Metering__Region__Id"] = "river-a";
        e["Metering__Region__Communities__0__Id"] = "demo";
        e["Metering__Region__Communities__0__TokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Token)));
        e["Metering__Region__Communities__1__Id"] = "hillside";
        e["Metering__Region__Communities__1__TokenSha256"] = new string('0', 64);
        e["Metering__Region__Resources__water__BudgetPerPeriod"] = "1000000";
        e["Metering__Region__Resources__water__NeedPerPersonPerPeriod"] = "50000";
        e["Metering__Upstream__Url"] = process.BaseUrl.ToString();
        e["Metering__Upstream__Token"] = Token;
        e["Metering__Upstream__ReportIntervalSeconds"] = "1";
        e["Metering__Upstream__RetryMinSeconds"] = "1";
        e["Metering__Upstream__RetryMaxSeconds"] = "1";
    }
}

/// <summary>The region page (members' use against cap and floor, stage, loans) and the overview's
/// "where the cap comes from" card (assets/region.js), in real Chromium at a laptop's and a phone's width.</summary>
[Trait("Category", "Integration")]
public sealed class RegionBrowserTests(RegionBrowserSession browser) : IClassFixture<RegionBrowserSession>
{
    [Fact]
    public async Task RegionPage_ShowsEachMembersFloorAndCap_AndTheOverviewSaysTheCapComesFromTheRegion_AtBothWidths()
    {
        using (var amina = await browser.Gateway.SignInAsync("amina"))
            Assert.True(await DashboardGateway.EventuallyAsync(async () =>
            {
                var u = JsonDocument.Parse(await amina.GetStringAsync("api/v1/upstream")).RootElement;
                return u.GetProperty("resources").EnumerateArray().Any(r => r.GetProperty("resource").GetString() == "water" && r.GetProperty("source").GetString() == "region");
            }, TimeSpan.FromSeconds(15)), "demo did not apply the region's cap");

        foreach (var (name, size) in BrowserSession.Widths)
        {
            var page = await browser.SignInAsync("amina", size);
            await page.GotoAsync("/dashboard/#/overview");
            var card = page.Locator("[data-cap-source=water]");
            await Expect(card).ToHaveAttributeAsync("data-source", "region", new() { Timeout = 15_000 });
            await Expect(card).ToContainTextAsync("The region's delegated cap");
            await Expect(card).ToContainTextAsync("Our own cap 1,500 L");
            await Expect(card).ToContainTextAsync("Delegated by the region 1,000 L");
            await Expect(card.Locator(".big")).ToHaveTextAsync("1,000 L");
            await BrowserSession.AssertNoSidewaysScrollAsync(page);
            await BrowserSession.ScreenshotAsync(page, "overview-cap-source-council");

            await page.Locator("#nav a[href='#/region']").ClickAsync();
            var water = page.Locator("[data-region-resource=water]");
            await Expect(water).ToContainTextAsync("Budget 1,000 L");
            // demo: 6 persons, floor 300 L, cap all 1,000 L while hillside has not reported.
            var demo = water.Locator("tr", new() { Has = page.Locator("[data-community=demo]") });
            await Expect(demo).ToContainTextAsync("300 L");
            await Expect(demo).ToContainTextAsync("1,000 L");
            await Expect(demo.Locator("svg.meter")).ToBeVisibleAsync();
            await Expect(water.Locator("tr", new() { Has = page.Locator("[data-community=hillside]") })).ToContainTextAsync("not reported yet");
            await Expect(page.Locator("#region-loans")).ToContainTextAsync("none");
            await BrowserSession.AssertNoSidewaysScrollAsync(page);
            await BrowserSession.ScreenshotAsync(page, "region-council");
            await page.CloseAsync();
        }
    }
}
