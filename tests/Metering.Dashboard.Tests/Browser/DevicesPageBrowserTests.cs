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

    [Fact]
    public async Task AHeldReading_IsListedForTheAdministrator_AndATechnicianAcceptsItWithAReason()
    {
        // 500 m3 in one minute on the garden channel: far beyond what a household connection can draw, held.
        var now = DateTimeOffset.UtcNow;
        await browser.Gateway.PublishReadingAsync("w-h01", 1, now.AddMinutes(-2), ("kitchen", 0), ("garden", 0));
        await browser.Gateway.PublishReadingAsync("w-h01", 2, now.AddMinutes(-1), ("kitchen", 0), ("garden", 500_000_000));

        var admin = await browser.SignInAsync("admin");
        await admin.GotoAsync("/dashboard/#/devices");
        var row = admin.Locator("#held tbody tr", new() { HasText = "garden" });
        await Expect(row).ToContainTextAsync("w-h01", new() { Timeout = 15_000 });
        await Expect(row).ToContainTextAsync("500000000 mL");
        await Expect(admin.Locator("#held button")).ToHaveCountAsync(0); // administrators see, technicians decide
        await admin.CloseAsync();

        var tech = await browser.SignInAsync("tech");
        await tech.GotoAsync("/dashboard/#/devices");
        await Expect(tech.Locator("button[data-accept='w-h01/garden/2']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await tech.ClickAsync("button[data-accept='w-h01/garden/2']"); // no reason: refused, nothing changes
        await Expect(tech.Locator("#held-status")).ToContainTextAsync("reason");
        await tech.FillAsync("#held input", "garden hose burst, register read on site");
        await BrowserSession.ScreenshotAsync(tech, "devices-held-tech");
        await tech.ClickAsync("button[data-accept='w-h01/garden/2']");
        await Expect(tech.Locator("#held")).ToContainTextAsync("No reading is held.", new() { Timeout = 15_000 });
        await tech.CloseAsync();
    }

    [GeneratedRegex(@"\d+ s ago")]
    private static partial Regex SecondsAgo();

    [GeneratedRegex(@"(\d+) devices? offline")]
    private static partial Regex OfflineCount();
}
