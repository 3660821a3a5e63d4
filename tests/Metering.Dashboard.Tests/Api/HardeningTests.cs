using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Commons.Metering.Testing;
using static Commons.Metering.Dashboard.Tests.Api.ApiAssert;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>Attacks on the HTTP side as a prober ran them against the real gateway process, each now
/// without effect: a lockout aimed at a victim, a YAML alias bomb, an SSE open/close flood filling the
/// error log, other households' details in a member's audit view, forged log lines and passwords in the
/// log, world-readable data files.</summary>
[Collection(TestStreams.Beside)]
[Trait("Category", "Integration")]
public sealed partial class HardeningTests(PolicyGateway gw, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<PolicyGateway>
{
    /// <summary>19 wrong passwords for member-h01 from 5 addresses used to keep the member out 39 of 40
    /// tries. Linux routes all of 127.0.0.0/8 to loopback, so 127.0.0.2-6 are five real source addresses.</summary>
    [Fact]
    public async Task AnAttackerOnFiveAddresses_CannotLockTheMemberOut_OfTheirOwnAddress()
    {
        var attackers = Enumerable.Range(2, 5).Select(i => From(IPAddress.Parse("127.0.0." + i))).ToArray();
        try
        {
            var attackerStatuses = new List<HttpStatusCode>();
            for (var i = 0; i < 19; i++) attackerStatuses.Add(await SignInStatusAsync(attackers[i % 5], "member-h01", "guess-" + i));
            using var owner = gw.Anonymous();
            var ownerOk = 0;
            for (var attempt = 0; attempt < 40; attempt++)
            {
                attackerStatuses.Add(await SignInStatusAsync(attackers[attempt % 5], "member-h01", "guess-more-" + attempt));
                if (await SignInStatusAsync(owner, "member-h01", gw.Password("member-h01")) == HttpStatusCode.OK) ownerOk++;
            }
            Assert.Equal(40, ownerOk);
            // The attacking addresses are slowed down: after 5 failures each, their attempts wait.
            Assert.Contains(HttpStatusCode.TooManyRequests, attackerStatuses);
            Assert.True(attackerStatuses.Count(s => s == HttpStatusCode.Unauthorized) < attackerStatuses.Count);
        }
        finally
        {
            foreach (var a in attackers) a.Dispose();
        }
    }

    [Fact]
    public async Task A24KbAliasBomb_IsRefusedFast_WithAClearError_AndTheGatewaysMemoryStaysSmall()
    {
        using var amina = await gw.SignInAsync("amina");
        var bomb = AliasBomb.Policy(File.ReadAllText(DashboardGateway.PolicyPath));
        var peakBefore = PeakResidentBytes();
        var watch = Stopwatch.StartNew();
        using var r = await amina.PostJsonAsync("api/v1/proposals", new { yaml = bomb });
        watch.Stop();
        var body = await r.Content.ReadAsStringAsync();
        var grown = PeakResidentBytes() - peakBefore;
        output.WriteLine($"{bomb.Length} bytes refused in {watch.ElapsedMilliseconds} ms, peak resident set grew {grown / 1024} KB");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("expands to more than 100000 YAML nodes", body);
        // Before: 18 s and 1.6 GB. Generous bounds for a shared 2-core machine.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.ElapsedMilliseconds} ms");
        Assert.True(grown < 64L * 1024 * 1024, $"peak resident set grew {grown / (1024 * 1024)} MB");
        Assert.True(await gw.Anonymous().GetAsync("healthz") is { IsSuccessStatusCode: true });
    }

    [Fact]
    public async Task FiftyEventStreamsOpenedAndClosed_LogNothingAtWarningOrAbove()
    {
        using var member = await gw.SignInAsync("member-h01");
        await Task.Delay(500);
        var before = Problems(gw.Process.Output);
        Assert.Contains(before, l => l.Contains("No XML encryptor", StringComparison.Ordinal)); // the filter sees warnings
        for (var i = 0; i < 50; i++)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await member.GetAsync("api/v1/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            Assert.Equal("event: hello", await reader.ReadLineAsync(cts.Token));
        }
        await Task.Delay(1000); // the server notices the last disconnect
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(member, "api/v1/session"));
        var after = Problems(gw.Process.Output);
        Assert.True(before.Count == after.Count, "new warnings or errors:\n" + string.Join("\n", after.Skip(before.Count).Take(20)));
    }

    [Fact]
    public async Task AMembersAuditView_HoldsNoOtherHouseholdsDetails()
    {
        // A leak trip on household h02's meter: the chain records breaker w-h02/main.
        var start = DateTimeOffset.UtcNow.AddMinutes(-3);
        for (var i = 0; i <= 3; i++) await gw.PublishReadingAsync("w-h02", 200 + i, start.AddMinutes(i), ("main", 50_000 + i * 1_000));
        using var tech = await gw.SignInAsync("tech");
        Assert.True(await DashboardGateway.EventuallyAsync(async () =>
            (await tech.GetFromJsonAsync<JsonElement>("api/v1/audit?limit=1000")).GetProperty("records").GetRawText().Contains("w-h02", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10)));
        using var member = await gw.SignInAsync("member-h01");
        var view = await member.GetFromJsonAsync<JsonElement>("api/v1/audit?limit=1000");
        Assert.True(view.GetProperty("verification").GetProperty("ok").GetBoolean());
        var records = view.GetProperty("records").GetRawText();
        Assert.DoesNotContain("w-h02", records);
        Assert.DoesNotContain("\"h02\"", records);
        Assert.Contains("another household", records);
        using var own = await gw.SignInAsync("member-h02");
        Assert.Contains("w-h02", (await own.GetFromJsonAsync<JsonElement>("api/v1/audit?limit=1000")).GetProperty("records").GetRawText());
    }

    [Fact]
    public async Task ForgedLogLines_HiddenCharacters_AndPasswordsTypedAsTheName_NeverReachTheLog()
    {
        using var http = gw.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInStatusAsync(http, "tech\r\nfail: forged-line-\u202egnp.exe", "whatever-it-is"));
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInStatusAsync(http, "my-secret-passphrase-99", "oops"));
        using var tech = await gw.SignInAsync("tech");
        using (var r = await tech.PostJsonAsync("api/v1/accounts/tech/tokens", new { label = "nightly\u202e\u200b\r\nfail: x" })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        await Task.Delay(300);
        Assert.DoesNotContain("forged-line", gw.Process.Output);
        Assert.DoesNotContain("\u202e", gw.Process.Output);
        Assert.DoesNotContain("my-secret-passphrase-99", gw.Process.Output);
        Assert.Contains("Failed sign-in for an unknown name (23 characters)", gw.Process.Output);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task DataFiles_AreReadableByTheGatewaysUserOnly()
    {
        // A proposal writes the first record of the audit log.
        using var amina = await gw.SignInAsync("amina");
        using (var r = await amina.PostJsonAsync("api/v1/proposals", new { yaml = ActsApiTests.RaisedWaterCap, effectiveAt = DateTimeOffset.UtcNow.AddDays(30) })) await OkJsonAsync(r);
        var files = Directory.EnumerateFiles(gw.Process.DataDirectory, "*", SearchOption.AllDirectories).ToList();
        foreach (var expected in new[] { "metering.db", "commons.db", "audit.log", "accounts.json", "accounts-audit.jsonl" })
            Assert.Contains(files, f => Path.GetFileName(f) == expected);
        const UnixFileMode groupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var open = files.Where(f => (File.GetUnixFileMode(f) & groupOrOthers) != 0).Select(f => $"{f} {File.GetUnixFileMode(f)}").ToList();
        Assert.True(open.Count == 0, "readable by others:\n" + string.Join("\n", open));
    }

    private static async Task<HttpStatusCode> SignInStatusAsync(HttpClient http, string name, string password)
    {
        using var r = await http.PostJsonAsync("api/v1/session", new { name, password });
        return r.StatusCode;
    }

    /// <summary>A client whose connections come from <paramref name="local"/>.</summary>
    private HttpClient From(IPAddress local) => new(new SocketsHttpHandler
    {
        UseCookies = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { BaseAddress = gw.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

    private long PeakResidentBytes()
    {
        var line = File.ReadLines($"/proc/{gw.Process.Pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Console log lines at Warning or above: "16:15:44.291 fail: Category[id] message".</summary>
    private static List<string> Problems(string output) =>
        output.Split('\n').Where(l => LogLevelAtLeastWarning().IsMatch(l)).ToList();

    [System.Text.RegularExpressions.GeneratedRegex(@"^(\d\d:\d\d:\d\d\.\d+ )?(warn|fail|crit): ")]
    private static partial System.Text.RegularExpressions.Regex LogLevelAtLeastWarning();
}
