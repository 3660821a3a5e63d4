using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Tests.Telemetry;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>Commit, restart on the same SQLite file, go on: nothing lost, nothing counted twice.</summary>
public sealed class LedgerDurabilityTests
{
    [Fact]
    public async Task AfterRestart_StateIsReloaded_RedeliveriesAreDuplicates_AndUsageContinuesExactly()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        await g.RegisterAsync("m1");
        long register = 0, expected = 0;
        for (var seq = 1; seq <= 50; seq++)
        {
            var step = seq * 7 % 13;
            register += step;
            if (seq > 1) expected += step;
            Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", seq, register)).Status);
        }
        await g.RestartAsync();

        Assert.True(g.Registry.TryGet("m1", out _), "registry reloaded from the meters table");
        // The broker redelivers what it never saw acknowledged: all duplicates now.
        for (var seq = 45; seq <= 50; seq++) Assert.Equal(IngestStatus.Duplicate, (await g.ReadingAsync("m1", seq, 0)).Status);
        var next = await g.ReadingAsync("m1", 51, register + 5);
        Assert.Empty(next.Flags!);
        expected += 5;
        var day = GatewayHarness.Start.Date;
        Assert.Equal(expected, g.UsageOf("m1", "main", day, day.AddDays(1)));
        Assert.Equal((51, register + 5), (g.Store.ListMeters().Single().Channels.Single().LastSeq, g.Store.ListMeters().Single().Channels.Single().Register));
    }

    [Fact]
    public async Task ConcurrentWriters_AreGroupCommitted_AndEveryReadingCountsOnce()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        const int meters = 20, readings = 25;
        for (var m = 0; m < meters; m++) await g.RegisterAsync($"m{m}");
        var tasks = Enumerable.Range(0, meters).Select(async m =>
        {
            for (var seq = 1; seq <= readings; seq++) await g.ReadingAsync($"m{m}", seq, seq * 10L);
        });
        await Task.WhenAll(tasks);
        var day = GatewayHarness.Start.Date;
        for (var m = 0; m < meters; m++) Assert.Equal((readings - 1) * 10, g.UsageOf($"m{m}", "main", day, day.AddDays(1)));
        Assert.Equal(meters * readings, await g.Metrics.ReadingsIngestedAsync());
        var batches = await g.Metrics.ValueAsync("metering_ledger_commit_batch_size_count");
        Assert.True(batches < meters * readings + meters, $"{batches} transactions for {meters * readings + meters} writes");
    }

    [Fact]
    public async Task WithASinkConfigured_EachChannelOfACommittedReadingHasOneOutboxLine_InLineProtocol()
    {
        var options = new GatewayOptions();
        options.Influx.Kind = "V2";
        await using var g = new GatewayHarness(options);
        await g.StartAsync();
        await g.RegisterAsync("m1");
        await g.ReadingAsync("m1", 1, 1_000, tsMs: 1_764_245_400_000);
        await g.ReadingAsync("m1", 2, 900, tsMs: 1_764_245_460_000);
        await g.ReadingAsync("m1", 2, 900, tsMs: 1_764_245_460_000); // duplicate: no second line
        Assert.Equal(
        [
            "reading,channel=main,community=c1,meter=m1,resource=water reg=1000i,seq=1i,usage=0i 1764245400000",
            "reading,channel=main,community=c1,meter=m1,resource=water flag=\"register_decrease\",reg=900i,seq=2i,usage=0i 1764245460000",
        ], InfluxLineBuilder(g));
        Assert.Equal(2, g.Store.OutboxDepth());
    }

    [Fact]
    public async Task WithoutASink_NoOutboxRowsAreWritten()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        await g.RegisterAsync("m1");
        await g.ReadingAsync("m1", 1, 1_000);
        Assert.Empty(InfluxLineBuilder(g));
    }

    [Fact]
    public async Task AutoRegister_RegistersAnUnknownMeterWithTheResourceOfItsUnit()
    {
        var options = new GatewayOptions();
        options.Registry.AutoRegister = true;
        await using var g = new GatewayHarness(options);
        await g.StartAsync();
        var r = await g.ReadingAsync("new1", 1, 5, unit: "Wh");
        Assert.Equal(IngestStatus.Committed, r.Status);
        Assert.True(g.Registry.TryGet("new1", out var meter));
        Assert.Equal(Resource.Energy, meter.Resource);
        Assert.Equal(RejectReason.BadUnit, (await g.ReadingAsync("new1", 2, 6, unit: "mL")).Reason);
        await g.RestartAsync();
        Assert.Equal(Resource.Energy, g.Store.LoadMeters().Single().Resource);
    }

    private static List<string> InfluxLineBuilder(GatewayHarness g)
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
