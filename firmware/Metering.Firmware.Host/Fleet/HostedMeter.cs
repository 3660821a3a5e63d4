using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>One firmware core running on this host: a <see cref="MeterDevice"/> with its own
/// flash file and MQTT connection. Only its scheduler's worker calls the device (in
/// <see cref="Step"/>); other threads post commands and read the last snapshot.</summary>
internal abstract class HostedMeter : IDisposable
{
    private readonly Queue<(Action Action, TaskCompletionSource Done)> _commands = new();
    private volatile MeterTruth _truth;
    private (long Acked, int Depth, long Seq)? _mark;

    /// <summary>Scheduler bookkeeping: 1 while queued to be stepped.</summary>
    internal int Queued;

    protected HostedMeter(string meterId, MeterKind kind, DeviceConfig config, IClock clock, string flashPath,
        MqttBrokerOptions broker, int seed, BlockStoreDurability durability)
    {
        MeterId = meterId;
        Kind = kind;
        Clock = clock;
        IsFresh = !File.Exists(flashPath);
        Store = new FileBlockStore(flashPath, durability: durability);
        Transport = new MqttNetTransport(broker);
        Transport.CallbackDelivered += () => Wake?.Invoke();
        Device = new MeterDevice(config, clock, Store, Transport, new SeededRandom(seed));
        _truth = new MeterTruth(meterId, kind, [], 0, false, 0, 0, 0, null);
    }

    public string MeterId { get; }
    public MeterKind Kind { get; }

    /// <summary>True when no flash file existed: the device starts commissioned at zero.</summary>
    public bool IsFresh { get; }

    public MeterTruth Truth => Fault is null ? _truth : _truth with { Fault = Fault.Message };
    public MqttNetTransport Transport { get; }

    /// <summary>Set by the scheduler: asks for a step soon. Safe from any thread.</summary>
    internal Action? Wake { get; set; }

    internal Exception? Fault { get; private set; }

    /// <summary>Called by the scheduler when a step threw: the meter is no longer stepped and
    /// its pending commands fail.</summary>
    internal void Stopped(Exception e)
    {
        Fault = e;
        lock (_commands)
        {
            while (_commands.Count > 0) _commands.Dequeue().Done.TrySetException(e);
        }
    }

    protected MeterDevice Device { get; }
    protected IClock Clock { get; }
    protected FileBlockStore Store { get; }

    /// <summary>On the worker thread: feed the sensors, tick the core, take a snapshot. Returns
    /// true when there is more to do at once.</summary>
    public abstract bool Step();

    /// <summary>The channel registers for the snapshot, with their baselines.</summary>
    protected abstract IReadOnlyList<ChannelTruth> ReadChannels();

    /// <summary>Runs <paramref name="action"/> on the worker thread before its next step.</summary>
    public Task PostAsync(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_commands)
        {
            if (Fault is not null) return Task.FromException(Fault);
            _commands.Enqueue((action, done));
        }
        Wake?.Invoke();
        return done.Task;
    }

    /// <summary>Before the scheduler starts, on the creating thread: starts the core and, when
    /// asked, takes the first reading at once, so the first reading carries the baseline.</summary>
    public void Boot(bool readNow)
    {
        Device.Start();
        if (readNow) Device.ReadNow();
        Snapshot();
    }

    /// <summary>After the scheduler stopped: a clean shutdown persists the totals, then the
    /// connection drops without DISCONNECT so the broker publishes the retained "offline" will.
    /// A crash does neither.</summary>
    public void Shutdown(bool graceful)
    {
        if (graceful && Fault is null) Device.PersistNow();
        Transport.Abort();
    }

    public void Dispose()
    {
        Transport.Dispose();
        Store.Dispose();
    }

    protected void RunCommands()
    {
        while (true)
        {
            (Action Action, TaskCompletionSource Done) next;
            lock (_commands)
            {
                if (_commands.Count == 0) return;
                next = _commands.Dequeue();
            }
            try
            {
                next.Action();
                next.Done.SetResult();
            }
            catch (Exception e)
            {
                next.Done.SetException(e);
            }
        }
    }

    /// <summary>On the worker thread: from now on <see cref="MeterTruth.Settled"/> also holds once
    /// every record in the outbox now has been confirmed (or, in PUBACK mode, acknowledged: the outbox
    /// is sent oldest first), even if periodic readings keep coming after them.</summary>
    protected void MarkOutbox() => _mark = (Transport.AcknowledgedNotRetainedCount, Device.OutboxDepth, Device.LastSeq);

    /// <summary>Takes a snapshot now; only before the scheduler starts or on the worker thread.</summary>
    internal void RefreshTruth() => Snapshot();

    protected void Snapshot()
    {
        var depth = Device.OutboxDepth;
        // Confirmation mode: every record of the mark has left once none at or below its seq remains
        // (acks, which have no seq, leave on their PUBACK). PUBACK mode: the PUBACKs since the mark.
        var settled = depth == 0 || (_mark is { } m && (Device.WaitsForConfirmation
            ? Device.OldestPendingSeq is var oldest && (oldest == 0 || oldest > m.Seq)
            : Transport.AcknowledgedNotRetainedCount - m.Acked >= m.Depth));
        _truth = new MeterTruth(MeterId, Kind, ReadChannels(), depth, Device.IsConnected, Device.LastSeq,
            Transport.PublishedCount, Transport.AcknowledgedCount, Fault?.Message) { Settled = settled, FinalSeq = _mark?.Seq, Stage = Device.Stage, WaitsForConfirmation = Device.WaitsForConfirmation };
    }

    protected static DeviceConfig Config(string community, string meterId, int readingIntervalMs, int outboxCapacity, int maxInflight,
        int confirmTimeoutMs = 30_000) => new()
    {
        Community = community,
        MeterId = meterId,
        ReadingIntervalMs = readingIntervalMs,
        OutboxCapacity = outboxCapacity,
        MaxInflight = maxInflight,
        ConfirmTimeoutMs = confirmTimeoutMs,
    };
}
