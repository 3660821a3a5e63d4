using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Commons.Metering.Testing;
using Microsoft.Playwright;
using static Commons.Metering.Dashboard.Tests.Api.ApiAssert;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>Cross-site request forgery in real Chromium. A page served from another port of the same
/// host is the same site (SameSite=Strict sends the cookie along) but another origin: with a signed-in
/// council member it tried to approve a proposal, with a signed-in technician to reset a tripped safety
/// breaker, by a no-cors fetch and by an auto-submitted form. Both did harm before; now both are refused
/// and nothing changes, while the same browser session acting from the dashboard itself succeeds.</summary>
[Trait("Category", "Integration")]
public sealed class CrossSiteBrowserTests(BrowserSession browser) : IClassFixture<BrowserSession>, IDisposable
{
    private readonly ForeignSite _foreign = new();

    [Fact]
    public async Task APageOnAnotherPort_CannotMakeACouncilMemberApprove()
    {
        var gw = browser.Gateway;
        using var amina = await gw.SignInAsync("amina");
        var id = (await OkJsonAsync(await amina.PostJsonAsync("api/v1/proposals",
            new { yaml = Api.ActsApiTests.RaisedWaterCap, effectiveAt = DateTimeOffset.UtcNow.AddDays(30) }))).GetProperty("id").GetString()!;

        var dashboard = await browser.SignInAsync("bruno");
        await AttackAsync(new Uri(gw.BaseUrl, $"api/v1/proposals/{id}/approve"));
        Assert.Equal(["amina"], await ApprovalsAsync(amina, id));

        // The same session from the dashboard's own page (core.js sends {} as JSON) is accepted.
        await dashboard.EvaluateAsync($"() => M.api('POST', '/api/v1/proposals/{id}/approve')");
        Assert.Equal(["amina", "bruno"], await ApprovalsAsync(amina, id));
        await dashboard.CloseAsync();
    }

    [Fact]
    public async Task APageOnAnotherPort_CannotMakeATechnicianResetATrippedBreaker()
    {
        var gw = browser.Gateway;
        var start = DateTimeOffset.UtcNow.AddMinutes(-3);
        for (var i = 0; i <= 3; i++) await gw.PublishReadingAsync("w-h02", 5_000 + i, start.AddMinutes(i), ("main", 90_000 + i * 1_000));
        using var tech = await gw.SignInAsync("tech");
        string? breaker = null;
        Assert.True(await DashboardGateway.EventuallyAsync(async () => (breaker = await OpenBreakerAsync(tech)) is not null, TimeSpan.FromSeconds(10)));

        var dashboard = await browser.SignInAsync("tech");
        await AttackAsync(new Uri(gw.BaseUrl, $"api/v1/breakers/{Uri.EscapeDataString(breaker!)}/reset"));
        Assert.Equal(breaker, await OpenBreakerAsync(tech));

        await dashboard.EvaluateAsync($"() => M.api('POST', '/api/v1/breakers/{Uri.EscapeDataString(breaker!)}/reset')");
        Assert.Null(await OpenBreakerAsync(tech));
        await dashboard.CloseAsync();
    }

    /// <summary>Opens the foreign page in the signed-in browser: a no-cors fetch with the cookie, then a
    /// form posted into a frame. Waits until both requests have been answered.</summary>
    private async Task AttackAsync(Uri target)
    {
        _foreign.Html = $$"""
            <!doctype html><title>cute cats</title>
            <iframe name="sink" id="sink"></iframe>
            <form id="f" method="POST" action="{{target}}" target="sink" enctype="text/plain"><input name='{"x":"' value='"}'></form>
            <script>
            fetch('{{target}}', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{}' })
              .then(() => 'fetch answered', () => 'fetch failed')
              .then((outcome) => {
                document.getElementById('sink').addEventListener('load', () => { document.title = outcome + ', form answered'; });
                document.getElementById('f').submit();
              });
            </script>
            """;
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(_foreign.Url.ToString());
        await Assertions.Expect(page).ToHaveTitleAsync("fetch answered, form answered");
        await page.CloseAsync();
    }

    private static async Task<string[]> ApprovalsAsync(HttpClient http, string id) =>
        (await http.GetFromJsonAsync<JsonElement>("api/v1/proposals")).EnumerateArray().Single(p => p.GetProperty("id").GetString() == id)
            .GetProperty("approvals").EnumerateArray().Select(a => a.GetString()!).ToArray();

    private static async Task<string?> OpenBreakerAsync(HttpClient tech) =>
        (await tech.GetFromJsonAsync<JsonElement>("api/v1/breakers")).EnumerateArray()
            .Where(b => b.GetProperty("meter").GetString() == "w-h02" && b.GetProperty("state").GetString() != "closed")
            .Select(b => b.GetProperty("id").GetString()).FirstOrDefault();

    public void Dispose() => _foreign.Dispose();

    /// <summary>Another web site on a free loopback port: serves <see cref="Html"/> to every request.</summary>
    private sealed class ForeignSite : IDisposable
    {
        private readonly HttpListener _listener = new();
        private int _served;

        public ForeignSite()
        {
            Url = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _ = ServeAsync();
        }

        public Uri Url { get; }
        public string Html { get; set; } = "";
        public int Served => Volatile.Read(ref _served);

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                Interlocked.Increment(ref _served);
                var body = Encoding.UTF8.GetBytes(Html);
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
