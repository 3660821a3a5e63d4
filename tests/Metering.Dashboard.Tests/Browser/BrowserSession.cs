using Commons.Metering.Testing;
using Microsoft.Playwright;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>The real gateway (test policy, demo accounts, 3 simulated meters) and Debian's chromium
/// driven by Playwright: headless, its own fresh user-data-dir, nothing downloaded (the driver comes
/// in the NuGet package; the browser is /usr/bin/chromium). Missing chromium FAILS the tests.</summary>
public sealed class BrowserSession : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Flags that keep chromium quiet and off the network: no sandbox (containers), no GPU, no
    /// QUIC, no first-run, background, component-update or sync traffic.</summary>
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private readonly TempDir _profile = new("chromium-profile");
    private IPlaywright? _playwright;

    public DashboardGateway Gateway { get; private set; } = null!;
    public IBrowserContext Context { get; private set; } = null!;

    /// <summary>bin/{Configuration}/net10.0/TestResults/screenshots (tests/Metering.Dashboard.Tests/README.md).</summary>
    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (tools/test.sh does: apt-get install chromium).");
        Gateway = new DashboardGateway(3, policy: true, demoAccounts: true);
        _playwright = await Playwright.CreateAsync();
        Context = await _playwright.Chromium.LaunchPersistentContextAsync(_profile.Path, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
            Locale = "en-US",
            TimezoneId = "UTC",
            ViewportSize = new ViewportSize { Width = 412, Height = 915 }, // a common phone (Pixel 7) in CSS pixels
            BaseURL = Gateway.BaseUrl.ToString(),
        });
        Context.SetDefaultTimeout(10_000);
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A fresh page signed in through the sign-in form as <paramref name="name"/>.</summary>
    public async Task<IPage> SignInAsync(string name)
    {
        await Context.ClearCookiesAsync();
        var page = await Context.NewPageAsync();
        await page.GotoAsync("/dashboard/");
        await page.FillAsync("#signin input[name=name]", name);
        await page.FillAsync("#signin input[name=password]", Gateway.Password(name));
        await page.ClickAsync("#signin button[type=submit]");
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync(name);
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Context is not null) await Context.CloseAsync();
        _playwright?.Dispose();
        Gateway?.Dispose();
        _profile.Dispose();
    }
}
