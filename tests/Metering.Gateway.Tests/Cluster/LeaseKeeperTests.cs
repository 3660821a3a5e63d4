using System.Collections.Concurrent;
using Commons.Metering.Gateway.Cluster;
using Commons.Metering.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Commons.Metering.Gateway.Tests.Cluster;

/// <summary>Two lease keepers on a real PostgreSQL, their rounds driven by the test (no timers): the first
/// takes every community while alone, hands back all but its share when the second beats, and the second
/// takes exactly those; the listeners see each change once.</summary>
[Trait("Category", "Integration")]
public sealed class LeaseKeeperTests
{
    private static readonly string[] All = ["a", "b", "c", "d"];

    private sealed class Recorder : ILeaseListener
    {
        public ConcurrentQueue<string> Events { get; } = new();
        public Task AcquiredAsync(string community, CancellationToken cancellationToken) { Events.Enqueue("+" + community); return Task.CompletedTask; }
        public Task LostAsync(string community, CancellationToken cancellationToken) { Events.Enqueue("-" + community); return Task.CompletedTask; }
    }

    private static (LeaseKeeper Keeper, HeldLeases Held, Recorder Listener, Func<int> Forgotten) Keeper(string db, string instance)
    {
        var options = new ClusterOptions { Communities = string.Join(",", All), InstanceId = instance, LeaseSeconds = 30, RenewSeconds = 3 };
        var held = new HeldLeases();
        var listener = new Recorder();
        var forgotten = 0;
        var keeper = new LeaseKeeper(options, new LeaseTable(NpgsqlDataSource.Create(db), instance, options.LeaseSeconds), held, [listener],
            () => Interlocked.Increment(ref forgotten), $"http://{instance}/", TimeProvider.System, NullLogger<LeaseKeeper>.Instance);
        keeper.StartApplying();
        return (keeper, held, listener, () => Volatile.Read(ref forgotten));
    }

    [Fact]
    public async Task AnInstanceAlone_TakesEverything_AndHandsTheSecondItsShare()
    {
        var db = TestPostgres.CreateDatabase();
        var (a, heldA, listenerA, forgottenA) = Keeper(db, "a1");
        var (b, heldB, listenerB, forgottenB) = Keeper(db, "b1");
        new LeaseTable(NpgsqlDataSource.Create(db), "setup", 30).Open(All);

        await a.RoundAsync(CancellationToken.None);
        Assert.Equal(All, heldA.Snapshot.Keys.Order());
        Assert.Equal(4, forgottenA());

        await b.RoundAsync(CancellationToken.None); // beats; everything is held
        Assert.Empty(heldB.Snapshot);

        await a.RoundAsync(CancellationToken.None); // two live: its share is 2, the last two go back
        Assert.Equal(["a", "b"], heldA.Snapshot.Keys.Order());
        // The leases are free in the database once their sessions closed (the listeners ran).
        Assert.True(await Poll.UntilAsync(() => listenerA.Events.Count == 6, TimeSpan.FromSeconds(10)), string.Join(" ", listenerA.Events));
        Assert.True(await Poll.UntilAsync(async () =>
        {
            await b.RoundAsync(CancellationToken.None);
            return heldB.Snapshot.Count == 2;
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100)), "the second instance did not get its share");

        Assert.Equal(["c", "d"], heldB.Snapshot.Keys.Order());
        Assert.Equal(["+a", "+b", "+c", "+d", "-d", "-c"], listenerA.Events.Take(4).Order().Concat(listenerA.Events.Skip(4)).ToArray());
        // The listeners run on the keeper's own queue, after the round returned.
        Assert.True(await Poll.UntilAsync(() => listenerB.Events.Count == 2, TimeSpan.FromSeconds(10)), string.Join(" ", listenerB.Events));
        Assert.Equal(["+c", "+d"], listenerB.Events.Order().ToArray());
        Assert.Equal(2, forgottenB());

        // Renewals keep everything where it is.
        await a.RoundAsync(CancellationToken.None);
        await b.RoundAsync(CancellationToken.None);
        Assert.Equal(["a", "b"], heldA.Snapshot.Keys.Order());
        Assert.Equal(["c", "d"], heldB.Snapshot.Keys.Order());
    }
}
