using static Microsoft.Playwright.Assertions;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>When the gateway stops, an open page says so in a banner (not only a faded badge) and
/// navigating says "cannot be reached" instead of "Failed to fetch"; when it is back, the banner
/// goes and the page reloads its figures.</summary>
[Collection(TestStreams.Beside)]
[Trait("Category", "Integration")]
public sealed class OutageBrowserTests(BrowserSession browser) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task GatewayStops_TheBannerSaysSo_AndGoesWhenItIsBack()
    {
        var page = await browser.SignInAsync("tech", BrowserSession.Desktop);
        var phone = await browser.Context.NewPageAsync();
        await phone.SetViewportSizeAsync(BrowserSession.Phone.Width, BrowserSession.Phone.Height);
        await phone.GotoAsync("/dashboard/#/overview");
        foreach (var p in new[] { page, phone }) await Expect(p.Locator("#live")).ToHaveClassAsync("live on");

        browser.Gateway.Process.Kill();
        foreach (var p in new[] { page, phone })
        {
            await Expect(p.Locator("#outage")).ToContainTextAsync("The gateway cannot be reached", new() { Timeout = 15_000 });
            await Expect(p.Locator("#live")).ToHaveTextAsync("not live");
            await BrowserSession.ScreenshotAsync(p, "overview-outage-tech");
        }
        await page.GotoAsync("/dashboard/#/devices");
        await Expect(page.Locator("main [role=alert]")).ToContainTextAsync("Gateway unreachable");

        // Back, with fresh demo passwords (DemoAccounts): the banner goes and the pages ask for a sign-in.
        browser.Gateway.Process.Restart();
        foreach (var p in new[] { page, phone })
        {
            await Expect(p.Locator("#outage")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
            await Expect(p.Locator("#signin")).ToBeVisibleAsync();
        }
        await page.CloseAsync();
        await phone.CloseAsync();
    }
}
