using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>A member's household page answers "my use against my allowance, per what period, am I
/// cut off?"; an emergency waiting for its quorum shows apart from one in force, and a second council
/// member co-signs it with one button; the household page shows the emergency too.</summary>
[Trait("Category", "Integration")]
public sealed class MemberAndEmergencyBrowserTests(BrowserSession browser) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task HouseholdPage_NamesEachPeriod_CountsCurtailedMinutes_AndTheWhyColumnIsReadable()
    {
        foreach (var (_, size) in BrowserSession.Widths)
        {
            var page = await browser.SignInAsync("member-h01", size);
            await page.GotoAsync("/dashboard/#/household/h01");
            await Expect(page.Locator("section[data-resource=water] h3")).ToHaveTextAsync("Water today");
            await Expect(page.Locator("section[data-resource=energy] h3")).ToHaveTextAsync("Energy this month");
            await Expect(page.Locator("section[data-resource=water]")).ToContainTextAsync("allowance per day");
            await Expect(page.Locator("section[data-resource=energy] [data-curtailed]")).ToContainTextAsync("Curtailed this month: ");
            await Expect(page.Locator("main")).ToContainTextAsync("4 persons");
            if (size.Width > 700)
            {
                // One card per row on a laptop: the Why column has room for its words.
                var why = await page.Locator("section[data-resource=water] th", new() { HasText = "Why" }).BoundingBoxAsync();
                Assert.True(why!.Width >= 120, $"the Why column is {why.Width} px wide");
            }
            await BrowserSession.AssertNoSidewaysScrollAsync(page);
            await BrowserSession.ScreenshotAsync(page, "household-member");
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task PendingEmergency_IsShownApart_ASecondMemberCoSignsWithOneButton_AndTheHouseholdSeesIt()
    {
        using var amina = await browser.Gateway.SignInAsync("amina");
        using (var r = await amina.PostAsJsonAsync("api/v1/emergency", new { reason = "well pump broken", hours = 48 })) r.EnsureSuccessStatusCode();

        var bruno = await browser.SignInAsync("bruno", BrowserSession.Desktop);
        var banner = bruno.Locator("#emergency");
        await Expect(banner).ToHaveAttributeAsync("data-state", "pending");
        await Expect(banner).ToContainTextAsync("Emergency proposed, not in force: well pump broken");
        await Expect(banner).ToContainTextAsync("Signed by amina (48 h");
        await Expect(banner).ToContainTextAsync("1 of 2 signatures needed");
        await BrowserSession.ScreenshotAsync(bruno, "overview-emergency-pending-council");
        await banner.GetByRole(AriaRole.Button, new() { Name = "Co-sign: well pump broken for 48 h" }).ClickAsync();
        await Expect(banner).ToHaveAttributeAsync("data-state", "active");
        await Expect(banner).ToContainTextAsync("Emergency in force: well pump broken");
        await Expect(banner).ToContainTextAsync("ends by itself in 47 h");
        await BrowserSession.ScreenshotAsync(bruno, "overview-emergency-council");
        await bruno.CloseAsync();

        foreach (var (_, size) in BrowserSession.Widths)
        {
            var member = await browser.SignInAsync("member-h01", size);
            await member.GotoAsync("/dashboard/#/household/h01");
            await Expect(member.Locator("h1")).ToHaveTextAsync("Household h01");
            await Expect(member.Locator("#emergency")).ToContainTextAsync("Emergency in force: well pump broken");
            await Expect(member.Locator("#emergency button")).ToHaveCountAsync(0);
            await BrowserSession.AssertNoSidewaysScrollAsync(member);
            await BrowserSession.ScreenshotAsync(member, "household-emergency-member");
            await member.CloseAsync();
        }
    }
}
