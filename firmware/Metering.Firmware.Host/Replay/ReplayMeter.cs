using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Platform;

namespace Commons.Metering.Firmware.Host.Replay;

/// <summary>One dataset meter replayed through the real core: for each time in its rows the
/// clock is set to that time, each channel's register is sampled, and a reading is taken. It
/// feeds ahead only while its outbox holds fewer than <c>maxOutboxDepth</c> readings, so the
/// replay runs as fast as the broker acknowledges and the outbox never has to thin.</summary>
internal sealed class ReplayMeter : HostedMeter
{
    private readonly SimulatedClock _clock;
    private readonly (long UnixMs, (RegisterChannel Channel, long Register)[] Samples)[] _steps;
    private readonly List<(RegisterChannel Channel, string Unit, long First)> _channels = new();
    private readonly int _maxOutboxDepth;
    private readonly long _timeShiftMs;
    private int _next;
    private long _rowsFed;

    public ReplayMeter(string meterId, MeterKind kind, IReadOnlyList<DatasetRow> rows, ReplayOptions options, SimulatedClock clock,
        string flashPath, int seed)
        : base(meterId, kind, Config(options.Community, meterId, ReplayOptions.ReadingIntervalMs, options.OutboxCapacity, options.MaxInflight),
            clock, flashPath, options.Broker, seed, BlockStoreDurability.ProcessCrash)
    {
        _clock = clock;
        _maxOutboxDepth = options.MaxOutboxDepth;
        _timeShiftMs = options.TimeShiftMs;
        var byName = new Dictionary<string, RegisterChannel>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (byName.ContainsKey(row.Channel)) continue;
            var channel = Device.AddRegisterChannel(row.Channel, row.Unit);
            byName.Add(row.Channel, channel);
            _channels.Add((channel, row.Unit, row.Register));
        }
        _steps = rows.GroupBy(r => r.UnixMs)
            .Select(g => (g.Key + _timeShiftMs, g.Select(r => (byName[r.Channel], r.Register)).ToArray()))
            .OrderBy(s => s.Item1)
            .ToArray();
        RowsTotal = rows.Count;
        // Every channel starts at its first known register, so the first reading is each
        // channel's baseline even when a circuit reports its first value later (empty cells).
        foreach (var (channel, _, first) in _channels) channel.Sample(first);
        _clock.SetUnixMs(_steps.Length > 0 ? _steps[0].UnixMs : 0);
    }

    public int RowsTotal { get; }
    public long RowsFed => Interlocked.Read(ref _rowsFed);
    public bool Finished => Volatile.Read(ref _next) >= _steps.Length;

    /// <summary>Boots the core at the first row's time with every channel at its first register.
    /// The core takes a reading on its first tick after a boot; that reading is the first row's.
    /// (Should a core not do so, a reading is asked for: either way exactly one per row time.)</summary>
    public void BootAtFirstRow()
    {
        Boot(readNow: false);
        if (_steps.Length == 0) return;
        var seq = Device.LastSeq;
        Device.Tick();
        if (Device.LastSeq == seq) Device.ReadNow();
        Interlocked.Add(ref _rowsFed, _steps[0].Samples.Length);
        _next = 1;
        Snapshot();
    }

    public override bool Step()
    {
        RunCommands();
        var fed = false;
        while (_next < _steps.Length && Device.OutboxDepth < _maxOutboxDepth)
        {
            var (unixMs, samples) = _steps[_next];
            _clock.SetUnixMs(unixMs);
            foreach (var (channel, register) in samples) channel.Sample(register);
            Device.ReadNow();
            Interlocked.Add(ref _rowsFed, samples.Length);
            Volatile.Write(ref _next, _next + 1);
            Device.Tick();
            fed = true;
        }
        Device.Tick();
        Snapshot();
        return fed && _next < _steps.Length && Device.OutboxDepth < _maxOutboxDepth;
    }

    protected override IReadOnlyList<ChannelTruth> ReadChannels() =>
        _channels.Select(c => new ChannelTruth(c.Channel.Name, c.Unit, c.First, c.Channel.Register)).ToList();
}
