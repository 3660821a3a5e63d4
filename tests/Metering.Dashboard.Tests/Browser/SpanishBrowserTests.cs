using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>The same gateway and chromium as <see cref="BrowserSession"/>, with a browser whose
/// language is Spanish (Spain): the dashboard speaks Spanish before sign-in and to accounts that chose
/// no language.</summary>
public sealed class SpanishBrowserSession : BrowserSession
{
    protected override string Locale => "es-ES";
}

/// <summary>The dashboard in Spanish: every page of every role shows no English word of the English
/// catalogue and asks the catalogue for no key it lacks; a member's whole visit at a phone's width,
/// with the language chosen on their own account page and kept with the account; numbers in the
/// Spanish way; the language API (own account only, a clear error for a language the dashboard
/// does not speak).</summary>
[Trait("Category", "Integration")]
public sealed partial class SpanishBrowserTests(SpanishBrowserSession browser) : IClassFixture<SpanishBrowserSession>
{
    /// <summary>Each role's pages (its menu, and its own account page).</summary>
    private static readonly Dictionary<string, string[]> PagesOf = new()
    {
        ["member-h01"] = ["overview", "household/h01", "policy", "account"],
        ["amina"] = ["overview", "breakers", "devices", "community", "policy", "account"],
        ["tech"] = ["overview", "breakers", "devices", "policy", "account"],
        ["admin"] = ["overview", "breakers", "devices", "policy", "accounts", "account"],
    };

    [Fact]
    public async Task BeforeSignIn_TheSignInPageSpeaksTheBrowsersLanguage()
    {
        await browser.Context.ClearCookiesAsync();
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync("/dashboard/");
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Entrar");
        await Expect(page.Locator("#signin button[type=submit]")).ToHaveTextAsync("Entrar");
        Assert.Equal("es", await page.EvaluateAsync<string>("document.documentElement.lang"));
        await AssertSpanishOnlyAsync(page, "signin");
        // A wrong password is said in Spanish too.
        await page.FillAsync("#signin input[name=name]", "nadie");
        await page.FillAsync("#signin input[name=password]", "no es esta la clave");
        await page.ClickAsync("#signin button[type=submit]");
        await Expect(page.Locator("#signin-error")).ToHaveTextAsync("No se pudo entrar: Nombre o contraseña incorrectos.");
        await AssertSpanishOnlyAsync(page, "signin refused");
        await page.CloseAsync();
    }

    [Fact]
    public async Task EveryPageOfEveryRole_InSpanish_ShowsNoEnglishWord_AndLacksNoKey()
    {
        foreach (var (name, pages) in PagesOf)
        {
            foreach (var (_, size) in BrowserSession.Widths)
            {
                var page = await browser.SignInAsync(name, size);
                foreach (var path in pages)
                {
                    await ShowAsync(page, path);
                    await AssertSpanishOnlyAsync(page, name + " #/" + path);
                    await BrowserSession.AssertNoSidewaysScrollAsync(page);
                    await BrowserSession.ScreenshotAsync(page, "es-" + path.Replace('/', '-') + "-" + name);
                }
                await page.CloseAsync();
            }
        }
    }

    [Fact]
    public async Task AMembersVisit_AtPhoneWidth_InSpanish_WithTheLanguageKeptWithTheAccount()
    {
        var page = await browser.SignInAsync("member-h01", BrowserSession.Phone);
        // The browser's language first: the account has chosen none.
        await Expect(page.Locator("#nav a")).ToHaveTextAsync(["Resumen", "Mi hogar", "Normas"]);

        // Choosing English on the account page is stored with the account ...
        await page.Locator("#who a").ClickAsync();
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Cuenta member-h01");
        await page.SelectOptionAsync("#language", "en");
        await page.ClickAsync("#language-form button[type=submit]");
        await Expect(page.Locator("#nav a")).ToHaveTextAsync(["Overview", "My household", "Policy"]);
        await Expect(page.Locator("#language-status")).ToHaveTextAsync("Saved.");
        // ... so a new sign-in in this Spanish browser speaks English, while the sign-in form (nobody
        // signed in yet) speaks the browser's Spanish.
        await page.ClickAsync("#signout");
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Entrar");
        await page.CloseAsync();
        page = await browser.SignInAsync("member-h01", BrowserSession.Phone);
        await Expect(page.Locator("#nav a")).ToHaveTextAsync(["Overview", "My household", "Policy"]);

        // Back to Spanish, and the whole visit in it.
        await ShowAsync(page, "account");
        await page.SelectOptionAsync("#language", "es");
        await page.ClickAsync("#language-form button[type=submit]");
        await Expect(page.Locator("#language-status")).ToHaveTextAsync("Guardado.");
        await AssertSpanishOnlyAsync(page, "account");

        await page.ClickAsync("#nav a:text-is('Resumen')");
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Comunidad demo");
        await Expect(page.Locator("#resources [data-resource=water] h3")).ToHaveTextAsync("Agua");
        await Expect(page.Locator("#resources [data-resource=water]")).ToContainTextAsync("de límite sostenible al día · hoy");
        await AssertSpanishOnlyAsync(page, "overview");

        await page.ClickAsync("#nav a:text-is('Mi hogar')");
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Hogar h01");
        await Expect(page.Locator("main")).ToContainTextAsync("4 personas");
        await Expect(page.Locator("section[data-resource=water] h3")).ToHaveTextAsync("Agua hoy");
        await Expect(page.Locator("section[data-resource=energy] h3")).ToHaveTextAsync("Electricidad este mes");
        await Expect(page.Locator("section[data-resource=water]")).ToContainTextAsync("de asignación al día");
        await Expect(page.Locator("section[data-resource=energy] [data-curtailed]")).ToContainTextAsync("Restringido este mes: ");
        await Expect(page.Locator("section[data-resource=water] th").First).ToHaveTextAsync("Contador");
        // A range of days chosen on the water chart: the legend says the days the Spanish way.
        var water = page.Locator("section[data-resource=water] .usage-series");
        await water.Locator("input[name=from]").FillAsync("2026-03-01");
        await water.Locator("input[name=to]").FillAsync("2026-03-03");
        await water.Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator("section[data-resource=water] .legend li.current")).ToContainTextAsync("1 mar 2026 – 3 mar 2026: ");
        await Expect(page.Locator("section[data-resource=water] .legend li.current")).ToContainTextAsync("consumidos");
        await AssertSpanishOnlyAsync(page, "household");
        await BrowserSession.AssertNoSidewaysScrollAsync(page);
        await BrowserSession.ScreenshotAsync(page, "es-member-visit-household");

        await page.ClickAsync("#nav a:text-is('Normas')");
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Normas");
        await Expect(page.Locator("#audit-verification")).ToContainTextAsync("Cadena comprobada");
        await AssertSpanishOnlyAsync(page, "policy");

        // Amounts and numbers as Spanish writes them: a decimal comma, thousands by a point from 10 000.
        Assert.Equal("12,3 MWh", await page.EvaluateAsync<string>("M.fmt(12345678, 'Wh')"));
        Assert.Equal("1,5 L", await page.EvaluateAsync<string>("M.fmt(1500, 'mL')"));
        Assert.Equal("12.500 t", await page.EvaluateAsync<string>("M.fmt(12500000000, 'g')"));

        await page.ClickAsync("#signout");
        await Expect(page.Locator("main h1")).ToHaveTextAsync("Entrar");
        await page.CloseAsync();
    }

    [Fact]
    public async Task LanguageApi_OwnAccountOnly_ClearErrorForALanguageNotSpoken_AndTheSessionSaysIt()
    {
        using var tech = await browser.Gateway.SignInAsync("tech");
        using (var r = await tech.PutAsJsonAsync("api/v1/accounts/tech/language", new { language = "fr" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("'language' must be one of en, es.", await r.Content.ReadAsStringAsync());
        }
        using (var r = await tech.PutAsJsonAsync("api/v1/accounts/tech/language", new { language = "es" })) r.EnsureSuccessStatusCode();
        using (var session = JsonDocument.Parse(await tech.GetStringAsync("api/v1/session")))
            Assert.Equal("es", session.RootElement.GetProperty("language").GetString());
        using var admin = await browser.Gateway.SignInAsync("admin");
        using (var r = await admin.PutAsJsonAsync("api/v1/accounts/tech/language", new { language = "en" }))
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var session = JsonDocument.Parse(await tech.GetStringAsync("api/v1/session")))
            Assert.Equal("es", session.RootElement.GetProperty("language").GetString());
    }

    /// <summary>Shows #/path and waits until that page has rendered (its h1 in a fresh main).</summary>
    private static async Task ShowAsync(IPage page, string path)
    {
        await page.EvaluateAsync("(p) => { document.getElementById('main').replaceChildren(); if (location.hash === '#/' + p) M.render(); else location.hash = '#/' + p; }", path);
        await Expect(page.Locator("#main h1")).ToBeVisibleAsync();
    }

    /// <summary>Words of the English catalogue that the Spanish one never uses ("the", "allowance").</summary>
    private static readonly Lazy<HashSet<string>> EnglishOnly = new(() =>
    {
        var english = Words(Catalogue("en").Values);
        english.ExceptWith(Words(Catalogue("es").Values));
        return english;
    });

    /// <summary>Fails when the page (header and main: every text node, hidden ones and chart labels
    /// included; the data a record holds as it is, in pre, code and .data, left out) shows a word only
    /// the English catalogue has, or the page asked the catalogue for a key Spanish lacks.</summary>
    private static async Task AssertSpanishOnlyAsync(IPage page, string what)
    {
        Assert.Equal("es", await page.EvaluateAsync<string>("M.lang"));
        var missing = await page.EvaluateAsync<string[]>("M.missing");
        Assert.True(missing.Length == 0, $"{what}: keys Spanish lacks: {string.Join(", ", missing)}");
        var text = await page.EvaluateAsync<string>("""
            () => {
              const out = [];
              for (const root of [document.querySelector('header'), document.getElementById('outage'), document.getElementById('main')]) {
                if (!root) continue;
                const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                  if (n.parentElement.closest('pre, code, .data, script, style')) continue;
                  out.push(n.data);
                }
                for (const el of root.querySelectorAll('[placeholder], [aria-label], [title]'))
                  out.push(el.getAttribute('placeholder') || '', el.getAttribute('aria-label') || '', el.getAttribute('title') || '');
              }
              return out.join('\n');
            }
            """);
        // Month names the browser writes in Spanish ("may", "ago" for mayo, agosto) are Spanish words.
        var months = Words(await page.EvaluateAsync<string[]>(
            "Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2000, i, 15)).toLocaleString(M.locale, { month: 'short', timeZone: 'UTC' }))"));
        var english = Words([text]).Intersect(EnglishOnly.Value).Except(months).Order().ToList();
        Assert.True(english.Count == 0, $"{what}: English words on the Spanish page: {string.Join(", ", english)}");
    }

    private static Dictionary<string, string> Catalogue(string language)
    {
        using var stream = typeof(Commons.Metering.Gateway.Auth.Languages).Assembly.GetManifestResourceStream($"dashboard/i18n/{language}.json")!;
        return JsonSerializer.Deserialize<Dictionary<string, string>>(stream)!;
    }

    private static HashSet<string> Words(IEnumerable<string> texts) =>
        [.. texts.SelectMany(t => Word().Matches(Placeholder().Replace(t, " ")).Select(m => m.Value.ToLowerInvariant())).Where(w => w.Length >= 2)];

    [GeneratedRegex(@"\{\w+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();
}
