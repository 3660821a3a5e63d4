using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Commons.Metering.Testing;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>The gateway as a newcomer starts it (gateway/Metering.Gateway.Demo, no arguments): within the first minute every
/// simulated water meter has drawn water and every forest meter has booked a load, so no chart or
/// gauge of the demo is empty.</summary>
[Collection(TestStreams.Beside)]
[Trait("Category", "Integration")]
public sealed partial class DemoGatewayTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Demo_MovesWaterAndForest_WithinItsFirstMinute()
    {
        using var gateway = new GatewayProcess(demo: true);
        var started = Stopwatch.StartNew();
        gateway.Start();
        DashboardGateway.WaitForStartupLines(gateway);
        var password = TechnicianLine().Match(gateway.Output).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(password), "no technician sign-in printed:\n" + gateway.Output);
        using var tech = new HttpClient(new HttpClientHandler { CookieContainer = new() }) { BaseAddress = gateway.BaseUrl };
        (await tech.PostAsJsonAsync("api/v1/session", new { name = "tech", password })).EnsureSuccessStatusCode();

        JsonElement[] idle = [];
        var moved = await DashboardGateway.EventuallyAsync(async () =>
        {
            var meters = (await tech.GetFromJsonAsync<JsonElement>("api/v1/meters")).EnumerateArray().ToArray();
            idle = meters.Where(m => m.GetProperty("resource").GetString() is "water" or "forest"
                && !m.GetProperty("channels").EnumerateArray().Any(c => c.GetProperty("register").GetInt64() > 0)).ToArray();
            return meters.Length == GatewayHostDemoMeters && idle.Length == 0;
        }, TimeSpan.FromSeconds(60) - started.Elapsed);
        output.WriteLine($"every water and forest meter moved after {started.Elapsed.TotalSeconds:0} s");
        Assert.True(moved, "still at 0 after the first minute: " + string.Join(", ", idle.Select(m => m.GetProperty("id").GetString())));

        var overview = await tech.GetFromJsonAsync<JsonElement>("api/v1/overview");
        foreach (var r in overview.GetProperty("resources").EnumerateArray())
            Assert.True(await DashboardGateway.EventuallyAsync(async () => (await tech.GetFromJsonAsync<JsonElement>("api/v1/overview")).GetProperty("resources")
                .EnumerateArray().Single(x => x.GetProperty("resource").GetString() == r.GetProperty("resource").GetString()).GetProperty("used").GetInt64() > 0,
                TimeSpan.FromSeconds(10)), r.GetProperty("resource").GetString() + " shows no use on the overview");
    }

    /// <summary>GatewayHost.DemoMeters: what the demo simulates.</summary>
    private const int GatewayHostDemoMeters = 30;

    // "    technician    tech           Cp7WLf2ngiNw" (GatewayHost's start-up lines).
    [GeneratedRegex(@"^ {4}technician +tech +(\S+)", RegexOptions.Multiline)]
    private static partial Regex TechnicianLine();
}
