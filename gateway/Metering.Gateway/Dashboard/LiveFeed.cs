using System.Collections.Concurrent;
using System.Threading.Channels;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>A live change for the pages. <see cref="Channels"/> (a reading's registers) and
/// <see cref="Meter"/> are household data: the events endpoint strips them for whoever may not see them.</summary>
internal sealed record LiveEvent(string Kind, string Summary, DateTimeOffset At, string? Meter = null,
    IReadOnlyDictionary<string, long>? Channels = null);

/// <summary>Fans live changes out to every open events stream: readings, statuses and device events
/// as the ledger commits them (an <see cref="ILedgerObserver"/>: it only enqueues, never blocks the
/// writer), and the runtime's events (<see cref="RuntimeRelay"/>). Each subscriber has its own
/// bounded queue; a slow browser loses its oldest events, nobody else waits for it.</summary>
internal sealed class LiveFeed(TimeProvider time) : ILedgerObserver
{
    /// <summary>A page that cannot keep up 256 events behind is better off reloading its view.</summary>
    public const int SubscriberCapacity = 256;

    private readonly ConcurrentDictionary<Channel<LiveEvent>, byte> _subscribers = new();

    public int Subscribers => _subscribers.Count;

    public void Committed(LedgerWrite write, LedgerOutcome outcome)
    {
        if (outcome.Status != LedgerStatus.Committed || _subscribers.IsEmpty) return;
        var at = time.GetUtcNow();
        var ev = write switch
        {
            ReadingWrite r => new LiveEvent("reading", $"reading {r.Reading.Seq} of {r.Meter}", at, r.Meter,
                r.Reading.Channels.GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.Last().Register)),
            StatusWrite s => new LiveEvent("device", $"{s.Meter} is {s.Status.State}", at, s.Meter),
            EventWrite e => new LiveEvent("device", $"{e.Event.Kind} on {e.Meter}" + (e.Event.Channel is { } c ? $"/{c}" : ""), at, e.Meter),
            _ => null,
        };
        if (ev is not null) Publish(ev);
    }

    public void Publish(LiveEvent ev)
    {
        foreach (var subscriber in _subscribers.Keys) subscriber.Writer.TryWrite(ev);
    }

    public async IAsyncEnumerable<LiveEvent> Subscribe([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(SubscriberCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
        });
        _subscribers[channel] = 0;
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (channel.Reader.TryRead(out var ev)) yield return ev;
        }
        finally
        {
            _subscribers.TryRemove(channel, out _);
        }
    }
}

/// <summary>Hands the runtime's events (stage changes, trips, resets, commands, emergencies, policy)
/// to the live feed; does nothing when no runtime is registered (metering only).</summary>
internal sealed class RuntimeRelay(LiveFeed feed, IServiceProvider services) : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService(typeof(ICommonsRuntime)) is not ICommonsRuntime runtime) return;
        try
        {
            await foreach (var e in runtime.Subscribe(stoppingToken).ConfigureAwait(false))
                feed.Publish(new LiveEvent(e.Kind, e.Summary, e.At, e.Meter));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
