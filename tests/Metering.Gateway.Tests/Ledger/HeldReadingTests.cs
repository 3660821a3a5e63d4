using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>A technician's decision on a reading held as implausible_rate, through the real pipeline,
/// ledger writer and database (SQLite; PostgreSQL in the subclass) with a fake clock: accepted, its rise counts once, in its own hour, and
/// usage counts from it; rejected, it never counts and confirms nothing; once a later reading was
/// counted the hold is over and a decision is refused (nothing counted twice, nothing lost).</summary>
public class HeldReadingTests : IAsyncLifetime
{
    private readonly GatewayHarness _g;

    public HeldReadingTests() : this(StorageProvider.Sqlite)
    {
    }

    protected HeldReadingTests(StorageProvider provider)
    {
        _g = new GatewayHarness(GatewayHarness.On(provider));
    }
    private static readonly DateTimeOffset Day = GatewayHarness.Start.Date;
    private static readonly MeterInfo E1 = new("e1", "c1", Resource.Energy);

    public async Task InitializeAsync()
    {
        await _g.StartAsync();
        await _g.RegisterAsync("e1", Resource.Energy);
    }

    public async Task DisposeAsync() => await _g.DisposeAsync();

    private long Usage() => _g.UsageOf("e1", "main", Day, Day.AddDays(1));

    private Task<LedgerOutcome> DecideAsync(long seq, HeldDecision decision, string reason = "read the register on site") =>
        _g.Ledger.SubmitAsync(new HeldDecisionWrite(E1, seq, "main", decision, "tomas", reason, _g.Time.GetUtcNow().ToUnixTimeMilliseconds()), CancellationToken.None);

    private async Task<long> ReadingAsync(long seq, long registerWh)
    {
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        var r = await _g.ReadingAsync("e1", seq, registerWh, unit: "Wh");
        Assert.Equal(IngestStatus.Committed, r.Status);
        return seq;
    }

    /// <summary>A baseline of 20,000 Wh, then a jump of 2 MWh in one minute (120 MW: held).</summary>
    private async Task HeldJumpAsync()
    {
        await ReadingAsync(1, 20_000);
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([ReadingFlag.ImplausibleRate], (await _g.ReadingAsync("e1", 2, 2_020_000, unit: "Wh")).Flags);
        Assert.Equal(0, Usage());
    }

    [Fact]
    public async Task AHeldReading_IsListed_WithItsBaselineAndRise()
    {
        await HeldJumpAsync();
        var held = Assert.Single(_g.Store.HeldReadings());
        Assert.Equal(("e1", "main", 2L, 2_020_000L, 1L, 20_000L, 2_000_000L), (held.Meter, held.Channel, held.Seq, held.Register, held.BaselineSeq, held.BaselineRegister, held.Rise));
        Assert.Equal("energy", held.Resource);
    }

    [Fact]
    public async Task Accepted_ItsRiseCountsOnceInItsHour_UsageCountsFromIt_AndItIsNoLongerHeld()
    {
        await HeldJumpAsync();
        var heldTs = _g.Time.GetUtcNow().ToUnixTimeMilliseconds();
        _g.Time.Advance(TimeSpan.FromHours(2)); // decided later: the use still lands in the reading's own hour
        var outcome = await DecideAsync(2, HeldDecision.Accept);
        Assert.Equal(LedgerStatus.Committed, outcome.Status);
        Assert.Equal(new HeldAcceptance("main", 2_020_000, heldTs, 20_000, heldTs - 60_000, 2_000_000), outcome.Accepted);
        var hour = DateTimeOffset.FromUnixTimeMilliseconds(UsageRules.HourStartMs(heldTs));
        Assert.Equal(2_000_000, _g.UsageOf("e1", "main", hour, hour.AddHours(1)));
        Assert.Empty(_g.Store.HeldReadings());

        await ReadingAsync(3, 2_020_300);
        Assert.Equal(2_000_300, Usage());
        // Twice is refused: nothing counted twice, also after a restart.
        Assert.Equal(LedgerStatus.Refused, (await DecideAsync(2, HeldDecision.Accept)).Status);
        await _g.RestartAsync();
        Assert.Equal(LedgerStatus.Refused, (await DecideAsync(2, HeldDecision.Accept)).Status);
        await ReadingAsync(4, 2_020_400);
        Assert.Equal(2_000_400, Usage());
        Assert.Equal(("implausible_accepted", 2_000_000L), Row(2));
        Assert.Equal(("tomas", "read the register on site", "implausible_accepted"), Decision(2));
    }

    [Fact]
    public async Task Rejected_ItNeverCounts_AndAReadingContinuingFromItIsHeldInsteadOfConfirmed()
    {
        await HeldJumpAsync();
        Assert.Equal(LedgerStatus.Committed, (await DecideAsync(2, HeldDecision.Reject, "forged: the meter reads 20,050 Wh on site")).Status);
        Assert.Empty(_g.Store.HeldReadings());
        // Without the rejection this reading (a possible rate from the held register) would confirm the jump.
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([ReadingFlag.ImplausibleRate], (await _g.ReadingAsync("e1", 3, 2_020_100, unit: "Wh")).Flags);
        Assert.Equal(0, Usage());
        await _g.RestartAsync();
        await ReadingAsync(4, 20_300); // the true meter again: counted from the old baseline
        Assert.Equal(300, Usage());
        Assert.Equal(("implausible_rejected", 0L), Row(2));
        Assert.Equal(LedgerStatus.Refused, (await DecideAsync(2, HeldDecision.Accept)).Status);
        Assert.Equal(300, Usage());
    }

    [Fact]
    public async Task OnceALaterReadingCounted_TheHoldIsOver_AndADecisionIsRefused()
    {
        await HeldJumpAsync();
        await ReadingAsync(3, 20_200); // counted from the baseline: the jump was no use
        Assert.Empty(_g.Store.HeldReadings());
        var refused = await DecideAsync(2, HeldDecision.Accept);
        Assert.Equal(LedgerStatus.Refused, refused.Status);
        Assert.Contains("seq 3", refused.Refusal, StringComparison.Ordinal);
        Assert.Equal(200, Usage());
        Assert.Equal(("implausible_rate", 0L), Row(2));
    }

    [Fact]
    public async Task AJumpConfirmedByTheFollowingReading_CannotBeAcceptedToo()
    {
        await HeldJumpAsync();
        await ReadingAsync(3, 2_020_500); // continues from the held register: confirmed, the jump counts zero
        Assert.Equal(500, Usage());
        Assert.Equal(LedgerStatus.Refused, (await DecideAsync(2, HeldDecision.Accept)).Status);
        Assert.Equal(500, Usage());
    }

    [Fact]
    public async Task OfTwoHeldReadings_AcceptingTheLaterOne_EndsTheEarlierOnesHold()
    {
        await HeldJumpAsync();
        _g.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([ReadingFlag.ImplausibleRate], (await _g.ReadingAsync("e1", 3, 9_020_000, unit: "Wh")).Flags);
        Assert.Equal([2L, 3L], _g.Store.HeldReadings().Select(h => h.Seq));
        Assert.Equal(9_000_000, (await DecideAsync(3, HeldDecision.Accept)).Accepted!.UsageBase);
        Assert.Empty(_g.Store.HeldReadings());
        Assert.Equal(LedgerStatus.Refused, (await DecideAsync(2, HeldDecision.Accept)).Status);
        Assert.Equal(9_000_000, Usage());
    }

    [Fact]
    public async Task AnUnknownOrUnheldReading_IsRefused()
    {
        await ReadingAsync(1, 20_000);
        await ReadingAsync(2, 20_100);
        Assert.Equal(LedgerStatus.Refused, (await DecideAsync(2, HeldDecision.Accept)).Status);
        Assert.Equal(LedgerStatus.Refused, (await DecideAsync(99, HeldDecision.Reject)).Status);
        Assert.Equal(100, Usage());
    }

    private (string? Flag, long Usage) Row(long seq)
    {
        using var db = Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT flag, usage FROM reading_channels WHERE meter = 'e1' AND channel = 'main' AND seq = {seq}";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        return (r.IsDBNull(0) ? null : r.GetString(0), r.GetInt64(1));
    }

    private (string Actor, string Reason, string Decision) Decision(long seq)
    {
        using var db = Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT actor, reason, decision FROM held_decisions WHERE meter = 'e1' AND channel = 'main' AND seq = {seq}";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        return (r.GetString(0), r.GetString(1), r.GetString(2));
    }

    private System.Data.Common.DbConnection Open() => _g.OpenDatabase();
}

/// <summary>The same decisions on the PostgreSQL ledger (a real server, a fresh database per test).</summary>
public sealed class HeldReadingPostgresTests() : HeldReadingTests(StorageProvider.Postgres);
