using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Tests.Telemetry;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>What a device (or whoever has its password) can no longer do to the ledger, through the
/// real pipeline and ledger (SQLite; PostgreSQL in the subclass) with a fake clock: freeze its usage with one huge seq, book use
/// into past hours with old timestamps, turn the ledger's sums into floating point with a huge
/// register, or inject usage at an impossible rate.</summary>
public class ReadingBoundsTests : IAsyncLifetime
{
    private readonly GatewayHarness _g;

    public ReadingBoundsTests() : this(StorageProvider.Sqlite)
    {
    }

    protected ReadingBoundsTests(StorageProvider provider)
    {
        _g = new GatewayHarness(GatewayHarness.On(provider));
    }
    private static readonly DateTimeOffset Day = GatewayHarness.Start.Date;
    private long NowMs => _g.Time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        await _g.StartAsync();
        await _g.RegisterAsync("w1");
        await _g.RegisterAsync("e1", Resource.Energy);
    }

    public async Task DisposeAsync() => await _g.DisposeAsync();

    private long Usage(string meter, DateTimeOffset from, DateTimeOffset to) => _g.UsageOf(meter, "main", from, to);

    private Task<double> FlaggedAsync(string flag) => _g.Metrics.FlaggedAsync(flag);

    [Fact]
    public async Task RegisterAtInt64Max_IsRejectedWithAReason_AndHourlyUsageStaysInteger()
    {
        await _g.ReadingAsync("e1", 1, 1_000, unit: "Wh");
        var r = await _g.ReadingAsync("e1", 2, long.MaxValue, unit: "Wh");
        Assert.Equal((IngestStatus.Rejected, RejectReason.RegisterOutOfRange), (r.Status, r.Reason));
        Assert.Equal("register_out_of_range", r.Reason!.Value.Name());
        Assert.Equal(1, await _g.Metrics.RejectedAsync("register_out_of_range"));
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        await _g.ReadingAsync("e1", 3, 1_500, unit: "Wh");
        Assert.Equal(500, Usage("e1", Day, Day.AddDays(1)));
        using var db = _g.OpenDatabase();
        using var cmd = db.CreateCommand();
        // The type of each stored value: SQLite types values, not columns; PostgreSQL's column is bigint.
        var postgres = _g.Options.Storage.Provider == StorageProvider.Postgres;
        cmd.CommandText = postgres ? "SELECT DISTINCT pg_typeof(usage)::text FROM hourly_usage" : "SELECT DISTINCT typeof(usage) FROM hourly_usage";
        using var types = cmd.ExecuteReader();
        Assert.True(types.Read());
        Assert.Equal(postgres ? "bigint" : "integer", types.GetString(0));
        Assert.False(types.Read());
    }

    [Fact]
    public async Task RegisterAtTheBound_IsAccepted()
    {
        var r = await _g.ReadingAsync("w1", 1, PayloadDecoder.MaxRegister);
        Assert.Equal(IngestStatus.Committed, r.Status);
        Assert.Equal(IngestStatus.Rejected, (await _g.ReadingAsync("w1", 2, PayloadDecoder.MaxRegister + 1)).Status);
    }

    [Fact]
    public async Task OneHugeSeq_IsFlaggedSeqJump_AndDoesNotFreezeLaterUsage_EvenAfterARestart()
    {
        await _g.ReadingAsync("w1", 10, 1_000);
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        var forged = await _g.ReadingAsync("w1", long.MaxValue, 2_000);
        Assert.Equal(IngestStatus.Committed, forged.Status); // kept as evidence
        Assert.Equal([ReadingFlag.SeqJump], forged.Flags);
        Assert.Equal(0, Usage("w1", Day, Day.AddDays(1)));
        Assert.Equal(IngestStatus.Duplicate, (await _g.ReadingAsync("w1", long.MaxValue, 2_000)).Status);

        _g.Time.Advance(TimeSpan.FromMinutes(1));
        var next = await _g.ReadingAsync("w1", 11, 1_300);
        Assert.Empty(next.Flags!); // not late: the forged seq did not move the meter's sequence
        Assert.Equal(300, Usage("w1", Day, Day.AddDays(1)));
        Assert.Equal(1, await FlaggedAsync("seq_jump"));
        await _g.RestartAsync();
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty((await _g.ReadingAsync("w1", 12, 1_400)).Flags!);
        Assert.Equal(400, Usage("w1", Day, Day.AddDays(1)));
    }

    [Fact]
    public async Task SeqWithinTheJumpBound_IsAnOrdinaryGap()
    {
        await _g.ReadingAsync("w1", 10, 1_000);
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        var r = await _g.ReadingAsync("w1", 10 + UsageRules.MaxSeqJump, 1_100);
        Assert.Equal([ReadingFlag.SeqGap], r.Flags);
        Assert.Equal(100, Usage("w1", Day, Day.AddDays(1)));
    }

    [Fact]
    public async Task AReadingStamped300DaysBehind_IsNotBookedIntoPastHours_ItsRiseCountsNow()
    {
        await _g.ReadingAsync("w1", 1, 1_000);
        var past = GatewayHarness.Start.AddDays(-300);
        var old = await _g.ReadingAsync("w1", 2, 50_000, tsMs: past.ToUnixTimeMilliseconds());
        Assert.Equal([ReadingFlag.TsBehind], old.Flags);
        Assert.Equal(0, Usage("w1", past.Date, past.Date.AddDays(1)));
        _g.Time.Advance(TimeSpan.FromMinutes(10));
        var next = await _g.ReadingAsync("w1", 3, 51_000);
        Assert.Empty(next.Flags!);
        Assert.Equal(50_000, Usage("w1", Day, Day.AddDays(1))); // nothing lost: counted from the last counted register, in its own hour
        Assert.Equal(1, await FlaggedAsync("ts_behind"));
    }

    [Fact]
    public async Task ClockSteppingBackWithinTheTolerance_IsOrdinary()
    {
        await _g.ReadingAsync("w1", 1, 1_000);
        var r = await _g.ReadingAsync("w1", 2, 1_100, tsMs: NowMs - UsageRules.MaxTsBehindMs);
        Assert.Empty(r.Flags!);
        Assert.Equal(100, Usage("w1", Day, Day.AddDays(1)));
    }

    [Fact]
    public async Task A10MWhJumpInOneMinute_IsHeldAsImplausible_AndTheNextTrueReadingCountsFromTheOldBaseline()
    {
        await _g.ReadingAsync("e1", 1, 20_000, unit: "Wh");
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        var forged = await _g.ReadingAsync("e1", 2, 10_020_000, unit: "Wh");
        Assert.Equal(IngestStatus.Committed, forged.Status);
        Assert.Equal([ReadingFlag.ImplausibleRate], forged.Flags);
        Assert.Equal(0, Usage("e1", Day, Day.AddDays(1)));
        Assert.Equal(1, await FlaggedAsync("implausible_rate"));

        await _g.RestartAsync(); // the held reading is not the baseline after a restart either
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        var real = await _g.ReadingAsync("e1", 3, 20_300, unit: "Wh"); // 300 Wh in 2 min = 9 kW
        Assert.Empty(real.Flags!);
        Assert.Equal(300, Usage("e1", Day, Day.AddDays(1)));
    }

    [Fact]
    public async Task AJumpThatTheFollowingReadingContinues_IsConfirmed_TheJumpCountsZero_UsageCountsFromIt()
    {
        await _g.ReadingAsync("w1", 1, 1_000);
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([ReadingFlag.ImplausibleRate], (await _g.ReadingAsync("w1", 2, 90_000_000)).Flags); // a swapped meter
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        var confirming = await _g.ReadingAsync("w1", 3, 90_000_500);
        Assert.Equal([ReadingFlag.ImplausibleConfirmed], confirming.Flags);
        Assert.Equal(500, Usage("w1", Day, Day.AddDays(1)));
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty((await _g.ReadingAsync("w1", 4, 90_001_000)).Flags!);
        Assert.Equal(1_000, Usage("w1", Day, Day.AddDays(1)));
    }

    [Fact]
    public async Task ARiseAtTheMostPossibleRate_IsCounted()
    {
        await _g.ReadingAsync("w1", 1, 0);
        _g.Time.Advance(TimeSpan.FromMinutes(10));
        var r = await _g.ReadingAsync("w1", 2, 10 * Plausibility.MaxWaterMlPerMinute);
        Assert.Empty(r.Flags!);
        _g.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal([ReadingFlag.ImplausibleRate], (await _g.ReadingAsync("w1", 3, 20 * Plausibility.MaxWaterMlPerMinute + 1)).Flags);
    }

    [Fact]
    public async Task NewChannelNamesBeyondTheLimit_AreKeptAsEvidence_ButNotCreated()
    {
        for (var seq = 1; seq <= 300; seq++)
        {
            var r = await _g.ReadingAsync("w1", seq, 1_000, channel: $"c{seq}");
            Assert.Equal(IngestStatus.Committed, r.Status);
            Assert.Equal(seq > UsageRules.MaxChannelsPerMeter, r.Flags!.Contains(ReadingFlag.ChannelLimit));
            _g.Time.Advance(TimeSpan.FromSeconds(1));
        }
        var meter = _g.Store.ListMeters().Single(m => m.Meter.Id == "w1");
        Assert.Equal(UsageRules.MaxChannelsPerMeter, meter.Channels.Count);
        Assert.Equal(300 - UsageRules.MaxChannelsPerMeter, await FlaggedAsync("channel_limit"));
        // Known channels keep counting.
        Assert.Empty((await _g.ReadingAsync("w1", 301, 1_100, channel: "c1")).Flags!);
        Assert.Equal(100, _g.UsageOf("w1", "c1", Day, Day.AddDays(1)));
        await _g.RestartAsync(); // still not created after a restart
        Assert.Equal(UsageRules.MaxChannelsPerMeter, _g.Store.ListMeters().Single(m => m.Meter.Id == "w1").Channels.Count);
    }
}

/// <summary>The same bounds on the PostgreSQL ledger (a real server, a fresh database per test).</summary>
public sealed class ReadingBoundsPostgresTests() : ReadingBoundsTests(StorageProvider.Postgres);

/// <summary>The SQLite ledger's file (PostgreSQL keeps its files under the server's own control).</summary>
public sealed class LedgerFileModeTests : IAsyncLifetime
{
    private readonly GatewayHarness _g = new();

    public async Task InitializeAsync() => await _g.StartAsync();

    public async Task DisposeAsync() => await _g.DisposeAsync();

    [Fact]
    public void TheLedgerFile_IsReadableByItsOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(_g.DatabasePath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        var wal = _g.DatabasePath + "-wal";
        if (File.Exists(wal)) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(wal));
    }
}
