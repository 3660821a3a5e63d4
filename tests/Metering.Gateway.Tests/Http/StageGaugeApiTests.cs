using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Tests.Policy;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Gateway.Tests.Http;

/// <summary>The gauge API and the overview's stage-gauge series, in-process with HTTP on a free port,
/// under the village policy (water stages on reservoir/level_mm below 1200, 800, 400 mm).</summary>
[Trait("Category", "Integration")]
public sealed class StageGaugeApiTests
{
    [Fact]
    public async Task The_overview_series_has_the_level_and_the_stage_thresholds_and_leaves_impossible_values_out()
    {
        await using var gw = new InProcessGateway();
        await gw.StartAsync(new Dictionary<string, string?> { ["Metering:Policy:File"] = PolicyFiles.VillagePath });
        using var tech = gw.Client(gw.Token("tess", Role.Technician));
        var registered = await tech.PostAsJsonAsync("api/v1/meters", new { id = "reservoir", community = "village", resource = "water" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var ledger = gw.Services.GetRequiredService<LedgerWriter>();
        var meter = new MeterInfo("reservoir", "village", Resource.Water);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long seq = 0;
        foreach (var mm in new long[] { 1300, 1100, 700, 5000 }) // 5000 mm: beyond what the A02YYUW reads
        {
            seq++;
            await ledger.SubmitAsync(new GaugeWrite(meter, new GaugeUplink(seq, now - (5 - seq) * 60_000,
                [new GaugeValue("level_mm", "level_mm", "a02yyuw", mm, mm, mm, mm, 1)]), now), CancellationToken.None);
        }

        var o = await tech.GetFromJsonAsync<JsonElement>("api/v1/overview/stage-gauges");
        var signal = Assert.Single(o.GetProperty("signals").EnumerateArray());
        Assert.Equal(("water", "reservoir", "level_mm"), (signal.GetProperty("resource").GetString(), signal.GetProperty("meter").GetString(), signal.GetProperty("gauge").GetString()));
        Assert.Equal([1200L, 800, 400], signal.GetProperty("thresholds").EnumerateArray().Select(t => t.GetProperty("threshold").GetInt64()));
        Assert.All(signal.GetProperty("thresholds").EnumerateArray(), t => Assert.Equal(100, t.GetProperty("hysteresis").GetInt64()));
        Assert.Equal([1300L, 1100, 700], signal.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("last").GetInt64()));

        var latest = await tech.GetFromJsonAsync<JsonElement>("api/v1/meters/reservoir/gauges");
        var newest = Assert.Single(latest.GetProperty("gauges").EnumerateArray());
        Assert.Equal(5000, newest.GetProperty("last").GetInt64());
        Assert.Equal("gauge_impossible", newest.GetProperty("flag").GetString());

        var unknown = await tech.GetAsync("api/v1/meters/nobody/gauges");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var anonymous = await gw.Client(null).GetAsync("api/v1/overview/stage-gauges");
        Assert.False(anonymous.IsSuccessStatusCode, anonymous.StatusCode.ToString());
    }
}
