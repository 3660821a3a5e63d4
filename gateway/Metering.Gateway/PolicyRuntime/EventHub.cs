using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>Live events to any number of subscribers, each through its own bounded queue that drops its
/// oldest event when the reader is slow: the engine never waits for a reader.</summary>
internal sealed class EventHub
{
    /// <summary>Per subscriber: 1024 events, minutes of a busy village; a dashboard reads them in milliseconds.</summary>
    public const int SubscriberCapacity = 1024;

    private readonly Lock _gate = new();
    private readonly List<Channel<CommonsEvent>> _subscribers = [];

    public void Publish(CommonsEvent e)
    {
        lock (_gate)
            foreach (var s in _subscribers) s.Writer.TryWrite(e);
    }

    public async IAsyncEnumerable<CommonsEvent> Subscribe([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<CommonsEvent>(new BoundedChannelOptions(SubscriberCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
        });
        lock (_gate) _subscribers.Add(channel);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (channel.Reader.TryRead(out var e)) yield return e;
        }
        finally
        {
            lock (_gate) _subscribers.Remove(channel);
        }
    }
}
