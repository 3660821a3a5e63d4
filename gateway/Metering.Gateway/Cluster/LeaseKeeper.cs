using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Cluster;

/// <summary>Holds this instance's share of the community leases (README.md): every RenewSeconds it beats
/// its heartbeat, renews what it holds, gives back what exceeds its fair share of the live instances and
/// takes free or expired leases up to it. A lease it could not renew is given up on its own monotonic
/// clock at LeaseSeconds - RenewSeconds after the start of its last good renewal (a separate check every
/// <see cref="DeadlineCheckMs"/>, so a hung database call does not delay it). The broker sessions and the
/// policy runtime follow through <see cref="ILeaseListener"/>, one transition at a time on a queue of
/// their own, so a slow stop never holds up a renewal.</summary>
internal sealed class LeaseKeeper(
    ClusterOptions options,
    LeaseTable table,
    HeldLeases held,
    IEnumerable<ILeaseListener> listeners,
    Action forgetCachedState,
    string advertisedUrl,
    TimeProvider time,
    ILogger<LeaseKeeper> logger) : BackgroundService
{
    /// <summary>Our choice: a lease is given up at most a quarter second after its local deadline.</summary>
    internal const int DeadlineCheckMs = 250;

    private readonly IReadOnlyList<string> _communities = options.CommunityList;
    private readonly ILeaseListener[] _listeners = listeners.ToArray();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lease> _mine = new(StringComparer.Ordinal);
    private readonly Channel<Transition> _transitions = Channel.CreateUnbounded<Transition>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _applier;

    private sealed record Lease(long Epoch, long RenewedAt);

    private enum Change { Acquired, Lost, Released }

    private sealed record Transition(Change Change, string Community, long Epoch);

    public string Instance => table.Instance;

    /// <summary>Starts applying transitions to the listeners (ExecuteAsync does; tests that drive
    /// <see cref="RoundAsync"/> themselves call it).</summary>
    internal void StartApplying() => _applier ??= Task.Run(() => ApplyAsync(CancellationToken.None), CancellationToken.None);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        StartApplying();
        var deadlines = Task.Run(() => WatchDeadlinesAsync(stoppingToken), CancellationToken.None);
        var opened = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!opened)
                {
                    table.Open(_communities);
                    opened = true;
                    logger.LogInformation("Cluster instance {Instance} ({Url}) joins for communities {Communities}; lease {LeaseSeconds} s, renewal every {RenewSeconds} s",
                        Instance, advertisedUrl, string.Join(",", _communities), options.LeaseSeconds, options.RenewSeconds);
                }
                await RoundAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The leases' own deadlines decide what happens to them; the next round tries again.
                logger.LogWarning("Cluster round of {Instance} failed: {Error}", Instance, e.Message);
            }
            try { await Task.Delay(TimeSpan.FromSeconds(options.RenewSeconds), time, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
        }
        try { await deadlines.ConfigureAwait(false); } catch (OperationCanceledException) { }
    }

    /// <summary>Gives every lease back at once (the broker sessions close first) and leaves the heartbeat
    /// table, so the other instances take over without waiting for an expiry.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        List<string> all;
        lock (_gate) all = _mine.Keys.ToList();
        foreach (var c in all) Release(c, "the instance stops");
        _transitions.Writer.TryComplete();
        if (_applier is not null) await _applier.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { await table.LeaveAsync(cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning("Cluster: leaving the heartbeat table failed: {Error}", e.Message); }
    }

    /// <summary>One round: heartbeat, renewals, then the fair share (give back or take).</summary>
    internal async Task RoundAsync(CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var live = await table.BeatAsync(advertisedUrl, ct).ConfigureAwait(false);
        foreach (var (community, lease) in Mine())
        {
            bool renewed;
            try { renewed = await table.RenewAsync(community, lease.Epoch, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Cluster: renewal of {Community} failed ({Error}); given up at its deadline unless a later one succeeds", community, e.Message);
                continue;
            }
            if (renewed) Renewed(community, lease.Epoch, started);
            else Lose(community, lease.Epoch, "the database no longer names this instance at this epoch (expired and taken, or released)");
        }
        var share = LeasePlan.Share(_communities.Count, live);
        var mine = Mine().Select(m => m.Key).ToList();
        foreach (var c in LeasePlan.Surplus(_communities, mine, share)) Release(c, $"over its share of {share} with {live} live instances");
        if (mine.Count >= share) return;
        foreach (var c in LeasePlan.Candidates(_communities, mine, Instance))
        {
            long? epoch;
            try { epoch = await table.TryTakeAsync(c, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug("Cluster: taking {Community} failed: {Error}", c, e.Message);
                continue;
            }
            if (epoch is { } e2) Acquire(c, e2, started);
            if (Mine().Count >= share) break;
        }
    }

    private List<KeyValuePair<string, Lease>> Mine()
    {
        lock (_gate) return _mine.ToList();
    }

    private void Renewed(string community, long epoch, long at)
    {
        lock (_gate)
            if (_mine.TryGetValue(community, out var l) && l.Epoch == epoch) _mine[community] = l with { RenewedAt = at };
    }

    private void Acquire(string community, long epoch, long at)
    {
        // The meters' cached state may be another instance's past: read again before any commit counts on it.
        forgetCachedState();
        lock (_gate) _mine[community] = new Lease(epoch, at);
        held.Add(community, epoch);
        logger.LogWarning("Cluster: instance {Instance} now owns community {Community} (epoch {Epoch})", Instance, community, epoch);
        _transitions.Writer.TryWrite(new Transition(Change.Acquired, community, epoch));
    }

    private void Lose(string community, long epoch, string why)
    {
        lock (_gate)
        {
            if (!_mine.TryGetValue(community, out var l) || l.Epoch != epoch) return;
            _mine.Remove(community);
        }
        held.Remove(community, epoch);
        logger.LogWarning("Cluster: instance {Instance} gives up community {Community} (epoch {Epoch}): {Why}", Instance, community, epoch, why);
        _transitions.Writer.TryWrite(new Transition(Change.Lost, community, epoch));
    }

    private void Release(string community, string why)
    {
        long epoch;
        lock (_gate)
        {
            if (!_mine.Remove(community, out var l)) return;
            epoch = l.Epoch;
        }
        held.Remove(community, epoch);
        logger.LogWarning("Cluster: instance {Instance} hands community {Community} back (epoch {Epoch}): {Why}", Instance, community, epoch, why);
        _transitions.Writer.TryWrite(new Transition(Change.Released, community, epoch));
    }

    private async Task WatchDeadlinesAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            foreach (var (community, lease) in Mine())
                if (LeasePlan.MustGiveUp(time, lease.RenewedAt, options.GiveUpAfter))
                    Lose(community, lease.Epoch, $"not renewed for {options.GiveUpAfter.TotalSeconds:F0} s (LeaseSeconds - RenewSeconds): another instance may take it soon");
            await Task.Delay(TimeSpan.FromMilliseconds(DeadlineCheckMs), time, ct).ConfigureAwait(false);
        }
    }

    private async Task ApplyAsync(CancellationToken ct)
    {
        await foreach (var t in _transitions.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            // Started in registration order (the sessions before the policy runtime), stopped in reverse.
            foreach (var listener in t.Change == Change.Acquired ? _listeners : _listeners.Reverse())
            {
                try
                {
                    if (t.Change == Change.Acquired) await listener.AcquiredAsync(t.Community, ct).ConfigureAwait(false);
                    else await listener.LostAsync(t.Community, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    logger.LogError(e, "Cluster: {Listener} failed on {Change} of {Community}", listener.GetType().Name, t.Change, t.Community);
                }
            }
            if (t.Change != Change.Released) continue;
            // Only once its session is closed: the next owner's session then starts from what this one left.
            try { await table.ReleaseAsync(t.Community, t.Epoch, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning("Cluster: releasing {Community} failed ({Error}); it expires by itself", t.Community, e.Message);
            }
        }
    }
}
