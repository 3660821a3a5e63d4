using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>An accepted held reading goes to the sinks as the same point as the held one (series and
/// time), so InfluxDB replaces its fields: with the household tag too, or the accepted usage would
/// land in a series of its own, missing from the household's sums.</summary>
public sealed class HeldReadingSinkLineTests
{
    private sealed class OneHousehold : IMeterHouseholds
    {
        public string? HouseholdOf(string meterId) => meterId == "e1" ? "h01" : null;
    }

    [Fact]
    public async Task AnAcceptedHeldReading_IsTheHeldPointOfItsHousehold_NowWithItsUsage()
    {
        var options = new GatewayOptions();
        options.Influx.Kind = "V1";
        await using var g = new GatewayHarness(options, households: new OneHousehold());
        await g.StartAsync();
        await g.RegisterAsync("e1", Resource.Energy);
        await g.ReadingAsync("e1", 1, 20_000, unit: "Wh");
        g.Time.Advance(TimeSpan.FromMinutes(1));
        // 2 MWh in one minute: held as implausible_rate.
        Assert.Equal([ReadingFlag.ImplausibleRate], (await g.ReadingAsync("e1", 2, 2_020_000, unit: "Wh")).Flags);
        var decision = new HeldDecisionWrite(new MeterInfo("e1", "c1", Resource.Energy), 2, "main", HeldDecision.Accept, "tomas", "read on site",
            g.Time.GetUtcNow().ToUnixTimeMilliseconds());

        Assert.Equal(LedgerStatus.Committed, (await g.Ledger.SubmitAsync(decision, CancellationToken.None)).Status);

        var lines = OutboxLines(g);
        Assert.Equal(3, lines.Count);
        var heldTs = lines[1].Split(' ')[2];
        Assert.StartsWith("reading,channel=main,community=c1,household=h01,meter=e1,resource=energy flag=\"implausible_rate\",", lines[1], StringComparison.Ordinal);
        Assert.Equal($"reading,channel=main,community=c1,household=h01,meter=e1,resource=energy flag=\"implausible_accepted\",reg=2020000i,seq=2i,usage=2000000i {heldTs}",
            lines[2]);
    }

    private static List<string> OutboxLines(GatewayHarness g)
    {
        using var c = new SqliteConnection($"Data Source={g.DatabasePath};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT line FROM sink_outbox ORDER BY id";
        using var r = cmd.ExecuteReader();
        var lines = new List<string>();
        while (r.Read()) lines.Add(r.GetString(0));
        return lines;
    }
}
