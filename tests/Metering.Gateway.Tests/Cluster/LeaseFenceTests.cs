using Commons.Metering.Gateway.Cluster;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Telemetry;
using Commons.Metering.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Commons.Metering.Gateway.Tests.Cluster;

/// <summary>The lease rows and the ledger fence on a real PostgreSQL: two instances, "a" and "b", on one
/// database. A lease running out while "a" is stopped is simulated by moving its expiry into the past
/// (the database's clock decides expiry), so no test waits for one, except the idle-transaction bound.</summary>
[Trait("Category", "Integration")]
public sealed class LeaseFenceTests : IAsyncLifetime
{
    private const string North = "north";
    private static readonly MeterInfo Meter = new("m1", North, Resource.Water);
    private readonly string _db = TestPostgres.CreateDatabase();
    private readonly List<IDisposable> _owned = [];
    private readonly global::Commons.Metering.Gateway.Telemetry.MeterExporter _meters = new();
    private LeaseTable _a = null!;
    private LeaseTable _b = null!;

    public Task InitializeAsync()
    {
        _a = Table("a");
        _b = Table("b");
        _a.Open([North, "south"]);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        foreach (var d in _owned) d.Dispose();
        _meters.Dispose();
        NpgsqlConnection.ClearAllPools();
        return Task.CompletedTask;
    }

    private LeaseTable Table(string instance)
    {
        var source = NpgsqlDataSource.Create(_db);
        _owned.Add(source);
        return new LeaseTable(source, instance, leaseSeconds: 30);
    }

    private void Execute(string sql)
    {
        using var c = new NpgsqlConnection(_db);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using var c = new NpgsqlConnection(_db);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>What a stopped instance's lease looks like once its time is up.</summary>
    private void ExpireLeases() => Execute("UPDATE cluster_leases SET expires_at = now() - interval '1 second' WHERE holder IS NOT NULL");

    private async Task<LedgerWriter> WriterAsync(PostgresStateStore store, ILedgerFence? fence)
    {
        var writer = new LedgerWriter(store, new MeterRegistry(), _meters, Microsoft.Extensions.Options.Options.Create(new GatewayOptions()),
            NullLogger<LedgerWriter>.Instance, fence: fence);
        _owned.Add(writer);
        await writer.StartAsync(CancellationToken.None);
        return writer;
    }

    private static ReadingWrite Reading(long seq) =>
        new(Meter, new Reading(seq, 1_764_245_520_000 + seq * 60_000, [new ChannelRegister("main", Resource.Water, seq * 1_000)], null), seq, RegisterMeter: true);

    [Fact]
    public async Task ALease_IsTakenOnce_RenewedByItsHolder_AndTakenOverOnlyAfterItExpired()
    {
        Assert.Equal(1, await _a.TryTakeAsync(North, CancellationToken.None));
        Assert.Null(await _b.TryTakeAsync(North, CancellationToken.None));
        Assert.True(await _a.RenewAsync(North, 1, CancellationToken.None));
        Assert.False(await _b.RenewAsync(North, 1, CancellationToken.None));

        ExpireLeases();

        Assert.False(await _a.RenewAsync(North, 1, CancellationToken.None));
        Assert.Equal(2, await _b.TryTakeAsync(North, CancellationToken.None));
        Assert.False(await _a.RenewAsync(North, 1, CancellationToken.None));
        var row = Assert.Single(await _a.ListAsync(CancellationToken.None), r => r.Community == North);
        Assert.Equal(("b", 2L), (row.Holder, row.Epoch));
    }

    [Fact]
    public async Task AReleasedLease_IsFreeAtOnce_AndHeartbeatsCountTheLiveInstances()
    {
        Assert.Equal(1, await _a.BeatAsync("http://a/", CancellationToken.None));
        Assert.Equal(2, await _b.BeatAsync("http://b/", CancellationToken.None));
        var epoch = (await _a.TryTakeAsync(North, CancellationToken.None))!.Value;
        Assert.Equal("http://a/", Assert.Single(await _b.ListAsync(CancellationToken.None), r => r.Community == North).HolderUrl);

        await _a.ReleaseAsync(North, epoch, CancellationToken.None);
        await _a.LeaveAsync(CancellationToken.None);

        Assert.Equal(epoch + 1, await _b.TryTakeAsync(North, CancellationToken.None));
        Assert.Equal(1, await _b.BeatAsync("http://b/", CancellationToken.None));
    }

    /// <summary>"a" owned north and committed; it stopped, its lease ran out and "b" took north; "a" wakes
    /// up with a write for north queued, before its renewal loop ran. The fence refuses the commit.</summary>
    [Fact]
    public async Task APausedInstance_WakingUpAfterATakeover_CommitsNothingForThatCommunity()
    {
        var held = new HeldLeases();
        held.Add(North, (await _a.TryTakeAsync(North, CancellationToken.None))!.Value);
        using var store = new PostgresStateStore(_db, shared: true);
        var writer = await WriterAsync(store, new LeaseFence(held, "a", renewSeconds: 3));
        Assert.Equal(LedgerStatus.Committed, (await writer.SubmitAsync(Reading(1), CancellationToken.None)).Status);

        ExpireLeases();
        Assert.Equal(2, await _b.TryTakeAsync(North, CancellationToken.None));

        var refused = await Assert.ThrowsAsync<LedgerFencedException>(() => writer.SubmitAsync(Reading(2), CancellationToken.None));
        Assert.Contains("held by 'b' at epoch 2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, Scalar("SELECT count(*) FROM reading_channels WHERE meter = 'm1'"));
    }

    /// <summary>The same story without the fence: the paused writer commits for a community another instance
    /// owns (so its stale state could count usage twice). This is what the fence's epoch check prevents.</summary>
    [Fact]
    public async Task WithoutTheFence_APausedInstanceWouldCommitForTheNewOwnersCommunity()
    {
        await _a.TryTakeAsync(North, CancellationToken.None);
        using var store = new PostgresStateStore(_db, shared: true);
        var writer = await WriterAsync(store, fence: null);
        await writer.SubmitAsync(Reading(1), CancellationToken.None);
        ExpireLeases();
        Assert.Equal(2, await _b.TryTakeAsync(North, CancellationToken.None));

        Assert.Equal(LedgerStatus.Committed, (await writer.SubmitAsync(Reading(2), CancellationToken.None)).Status);
        Assert.Equal(2, Scalar("SELECT count(*) FROM reading_channels WHERE meter = 'm1'"));
    }

    /// <summary>A transaction that passed the fence holds north's row FOR SHARE: a takeover waits for it
    /// (and gives up after its lock timeout), then takes the lease once the transaction committed, so the
    /// new owner reads every row the old one wrote.</summary>
    [Fact]
    public async Task ATakeover_WaitsForATransactionThatPassedTheFence()
    {
        var held = new HeldLeases();
        held.Add(North, (await _a.TryTakeAsync(North, CancellationToken.None))!.Value);
        ExpireLeases();
        using var store = new PostgresStateStore(_db, shared: true);
        store.Open();
        var tx = store.Begin();
        new LeaseFence(held, "a", renewSeconds: 30).Check(tx, [North]);

        var waited = await Assert.ThrowsAsync<PostgresException>(() => _b.TryTakeAsync(North, CancellationToken.None));
        Assert.Equal(PostgresErrorCodes.LockNotAvailable, waited.SqlState);

        tx.Commit();
        tx.Dispose();
        Assert.Equal(2, await _b.TryTakeAsync(North, CancellationToken.None));
    }

    /// <summary>An instance stopped between the fence and its COMMIT keeps north's row locked; PostgreSQL
    /// ends that idle transaction after one renewal period, the takeover goes through, and the stopped
    /// instance's COMMIT fails when it wakes up.</summary>
    [Fact]
    public async Task ATransactionLeftIdleAfterTheFence_IsEndedByTheServer_AndTheTakeoverProceeds()
    {
        var held = new HeldLeases();
        held.Add(North, (await _a.TryTakeAsync(North, CancellationToken.None))!.Value);
        ExpireLeases();
        using var store = new PostgresStateStore(_db, shared: true);
        store.Open();
        var tx = store.Begin();
        tx.InsertMeter(Meter, 0);
        new LeaseFence(held, "a", renewSeconds: 1).Check(tx, [North]);

        long? epoch = null;
        Assert.True(await Poll.UntilAsync(async () =>
        {
            try { epoch = await _b.TryTakeAsync(North, CancellationToken.None); }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable) { }
            return epoch is not null;
        }, TimeSpan.FromSeconds(15)), "the idle transaction was never ended");

        Assert.Equal(2, epoch);
        Assert.ThrowsAny<Exception>(tx.Commit);
        Assert.Equal(0, Scalar("SELECT count(*) FROM meters"));
    }

    /// <summary>A lease that came back to this instance while a transaction ran: that transaction's cached
    /// meter state may predate the other owner's writes, so it is refused and the next one reads afresh.</summary>
    [Fact]
    public async Task ATransactionBegunBeforeTheCacheWasForgotten_IsRefused()
    {
        var held = new HeldLeases();
        held.Add(North, (await _a.TryTakeAsync(North, CancellationToken.None))!.Value);
        using var store = new PostgresStateStore(_db, shared: true);
        store.Open();
        var fence = new LeaseFence(held, "a", renewSeconds: 3);
        using (var tx = store.Begin())
        {
            store.ForgetCachedState();
            Assert.Throws<LedgerFencedException>(() => fence.Check(tx, [North]));
        }
        using (var tx = store.Begin())
            fence.Check(tx, [North]);
    }
}
