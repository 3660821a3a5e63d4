using Commons.Metering.Testing;
using Microsoft.Playwright;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>The real gateway (test policy, demo accounts, 3 simulated meters) and Debian's chromium
/// driven by Playwright: headless, its own fresh user-data-dir, nothing downloaded (the driver comes
/// in the NuGet package; the browser is /usr/bin/chromium). Missing chromium FAILS the tests.
/// A fixture with another policy of policies/ derives from it (<see cref="StagesBrowserSession"/>).</summary>
public class BrowserSession : IAsyncLifetime
{
    private readonly string? _policyFile;

    public BrowserSession() : this(null)
    {
    }

    protected BrowserSession(string? policyFile) => _policyFile = policyFile;

    /// <summary>Further settings of the gateway before it starts (<see cref="RegionBrowserSession"/>).</summary>
    protected virtual void Configure(GatewayProcess process)
    {
    }

    /// <summary>The browser's language (navigator.language), which the dashboard speaks before sign-in
    /// and to accounts that chose none. English here; <see cref="SpanishBrowserSession"/> overrides it.</summary>
    protected virtual string Locale => "en-US";

    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Flags that keep chromium quiet and off the network: no sandbox (containers), no GPU, no
    /// QUIC, no first-run, background, component-update or sync traffic.</summary>
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    /// <summary>A common phone (iPhone 12-15) in CSS pixels, and a common laptop screen.</summary>
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };
    public static readonly ViewportSize Desktop = new() { Width = 1366, Height = 900 };

    private readonly TempDir _profile = new("chromium-profile");
    private IPlaywright? _playwright;

    public DashboardGateway Gateway { get; private set; } = null!;
    public IBrowserContext Context { get; private set; } = null!;

    /// <summary>bin/{Configuration}/net10.0/TestResults/screenshots (tests/Metering.Dashboard.Tests/README.md).</summary>
    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (tools/test.sh does: apt-get install chromium).");
        Gateway = new DashboardGateway(3, policy: true, demoAccounts: true, _policyFile, configure: Configure);
        _playwright = await Playwright.CreateAsync();
        Context = await _playwright.Chromium.LaunchPersistentContextAsync(_profile.Path, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
            Locale = Locale,
            TimezoneId = "UTC",
            ViewportSize = Phone,
            BaseURL = Gateway.BaseUrl.ToString(),
        });
        Context.SetDefaultTimeout(10_000);
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A fresh page signed in through the sign-in form as <paramref name="name"/>.</summary>
    public async Task<IPage> SignInAsync(string name, ViewportSize? viewport = null)
    {
        await Context.ClearCookiesAsync();
        var page = await Context.NewPageAsync();
        await page.SetViewportSizeAsync((viewport ?? Phone).Width, (viewport ?? Phone).Height);
        await page.GotoAsync("/dashboard/");
        await page.FillAsync("#signin input[name=name]", name);
        await page.FillAsync("#signin input[name=password]", Gateway.Password(name));
        await page.ClickAsync("#signin button[type=submit]");
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync(name);
        return page;
    }

    /// <summary>Saves the page as {name}-{phone|desktop}.png (by its viewport's width).</summary>
    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(ScreenshotDirectory, name + "-" + (page.ViewportSize?.Width > 700 ? "desktop" : "phone") + ".png"),
            FullPage = true,
        });

    /// <summary>Both widths the dashboard is checked at, each with its name.</summary>
    public static IEnumerable<(string Name, ViewportSize Size)> Widths => [("desktop", Desktop), ("phone", Phone)];

    /// <summary>Fails when a word in a table cell is broken across lines mid-letter ("onlin e"). Words
    /// with a hyphen may break at it, and ids of 20 characters or more anywhere.</summary>
    public static async Task AssertNoWordBrokenAsync(IPage page)
    {
        var broken = await page.EvaluateAsync<string[]>("""
            () => {
              const bad = [];
              for (const cell of document.querySelectorAll('main td, main th')) {
                const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                  for (const m of n.data.matchAll(/\S+/g)) {
                    if (m[0].includes('-') || m[0].length >= 20) continue;
                    const r = document.createRange();
                    r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                    const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
                    if (lines.size > 1) bad.push(m[0]);
                  }
                }
              }
              return bad;
            }
            """);
        Assert.True(broken.Length == 0, $"{page.Url}: words broken mid-letter: {string.Join(", ", broken)}");
    }

    /// <summary>Fails when the page is wider than its viewport (a phone would scroll sideways).</summary>
    public static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var (scroll, width) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("window.innerWidth"));
        Assert.True(scroll <= width, $"{page.Url}: the page is {scroll} px wide in a {width} px viewport");
    }

    public async Task DisposeAsync()
    {
        if (Context is not null) await Context.CloseAsync();
        _playwright?.Dispose();
        Gateway?.Dispose();
        _profile.Dispose();
    }
}
