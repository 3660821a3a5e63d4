using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>The Devices page as a technician uses it: offline devices first and a filter, last seen
/// from the newest reading, and the overview counting offline devices the same way.</summary>
[Trait("Category", "Integration")]
public sealed partial class DevicesPageBrowserTests(BrowserSession browser) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task OfflineDevicesComeFirst_TheFilterShowsThem_AndTheOverviewAgrees()
    {
        await browser.Gateway.PublishReadingAsync("w-h02", 1, DateTimeOffset.UtcNow, ("main", 5));
        await browser.Gateway.PublishStatusAsync("w-h02", "offline");
        foreach (var (_, size) in BrowserSession.Widths)
        {
            var page = await browser.SignInAsync("tech", size);
            await page.GotoAsync("/dashboard/#/devices");
            await Expect(page.Locator("#devices")).ToContainTextAsync("e-0002", new() { Timeout = 15_000 });
            await Expect(page.Locator("#devices tbody tr").First).ToContainTextAsync("w-h02");
            await Expect(page.Locator("#devices tbody tr").First).ToContainTextAsync("offline");
            // The simulated meters read every few seconds: seen seconds ago, not at their start-up status.
            await Expect(page.Locator("#devices tbody tr", new() { HasText = "e-0002" })).ToContainTextAsync(SecondsAgo(), new() { Timeout = 15_000 });
            var counts = await page.TextContentAsync("#device-counts");
            var offline = int.Parse(OfflineCount().Match(counts!).Groups[1].Value);
            Assert.True(offline >= 1, counts);
            await page.ClickAsync("button[data-filter=offline]");
            await Expect(page.Locator("#devices tbody tr")).ToHaveCountAsync(offline);
            await BrowserSession.AssertNoSidewaysScrollAsync(page);
            await BrowserSession.ScreenshotAsync(page, "devices-offline-tech");
            await page.ClickAsync("button[data-filter=all]");
            await BrowserSession.ScreenshotAsync(page, "devices-tech");
            await page.GotoAsync("/dashboard/#/overview");
            await Expect(page.Locator("#devices-offline .big")).ToHaveTextAsync(new Regex("^" + offline + " of "));
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Phone_HeaderIsCompact_BreakersFoldTheClosedOnes_AndNoWordBreaksMidLetter()
    {
        var page = await browser.SignInAsync("tech", BrowserSession.Phone);
        var header = await page.Locator("header").BoundingBoxAsync();
        Assert.True(header!.Height <= BrowserSession.Phone.Height * 0.12, $"the header takes {header.Height} px of {BrowserSession.Phone.Height}");
        await page.GotoAsync("/dashboard/#/breakers");
        await Expect(page.Locator("#breakers-open")).ToBeVisibleAsync();
        await Expect(page.Locator("#breakers-closed")).Not.ToHaveAttributeAsync("open", "");
        await Expect(page.Locator("#commands")).Not.ToHaveAttributeAsync("open", "");
        var height = await page.EvaluateAsync<int>("document.documentElement.scrollHeight");
        Assert.True(height <= 2 * BrowserSession.Phone.Height, $"the breakers page is {height} px long");
        await BrowserSession.ScreenshotAsync(page, "breakers-tech");
        foreach (var view in new[] { "breakers", "devices", "policy", "overview" })
        {
            await page.GotoAsync("/dashboard/#/" + view);
            await Expect(page.Locator("main h1")).ToBeVisibleAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await page.Locator("main details").EvaluateAllAsync<int>("ds => { ds.forEach(d => d.open = true); return ds.length; }");
            await BrowserSession.AssertNoWordBrokenAsync(page);
        }
        await page.CloseAsync();
    }

    [GeneratedRegex(@"\d+ s ago")]
    private static partial Regex SecondsAgo();

    [GeneratedRegex(@"(\d+) devices? offline")]
    private static partial Regex OfflineCount();
}
