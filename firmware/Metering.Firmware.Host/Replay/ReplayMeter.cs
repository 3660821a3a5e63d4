using Commons.Metering.Firmware.Host.Actuators;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Platform;

namespace Commons.Metering.Firmware.Host.Replay;

/// <summary>One dataset meter replayed through the real core: for each time in its rows the
/// clock is set to that time, each channel's register is sampled, and a reading is taken. It
/// feeds ahead only while its outbox holds fewer than <c>maxOutboxDepth</c> readings, so the
/// replay runs as fast as the broker acknowledges and the outbox never has to thin. With
/// <see cref="ReplayOptions.Outputs"/> every channel has a relay (energy) or valve (water) the core
/// drives: while it is curtailed the dataset's rises on that channel are unmet and the register stands
/// still (it goes on from where it stood once the output is back).</summary>
internal sealed class ReplayMeter : HostedMeter
{
    private readonly ReplayClock _clock;
    private readonly (long UnixMs, (RegisterChannel Channel, long Register)[] Samples)[] _steps;
    private readonly List<(RegisterChannel Channel, string Unit, long First)> _channels = new();
    private readonly Dictionary<RegisterChannel, Cut> _cuts = new();
    private readonly SimulatedOutputs? _outputs;
    private volatile bool _released;
    private readonly int _maxOutboxDepth;
    private readonly long _timeShiftMs;
    private int _next;
    private long _rowsFed;

    public ReplayMeter(string meterId, MeterKind kind, IReadOnlyList<DatasetRow> rows, ReplayOptions options, ReplayClock clock,
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
        if (options.Outputs)
        {
            _outputs = new SimulatedOutputs();
            foreach (var (channel, _, first) in _channels)
            {
                if (kind == MeterKind.Water) _outputs.AddValve(channel.Name);
                else _outputs.AddRelay(channel.Name);
                Device.SetOutput(channel, kind == MeterKind.Water ? ChannelOutput.Valve : ChannelOutput.Relay);
                _cuts.Add(channel, new Cut { LastData = first });
            }
            Device.SetCommandHandler(_outputs);
        }
        _released = options.StartWhen is null;
        // Every channel starts at its first known register, so the first reading is each
        // channel's baseline even when a circuit reports its first value later (empty cells).
        foreach (var (channel, _, first) in _channels) channel.Sample(first);
        _clock.SetUnixMs(_steps.Length > 0 ? _steps[0].UnixMs : 0);
    }

    public int RowsTotal { get; }
    public long RowsFed => Interlocked.Read(ref _rowsFed);
    public bool Finished => Volatile.Read(ref _next) >= _steps.Length;

    /// <summary>From any thread: rows after the first are fed from now on (<see cref="ReplayOptions.StartWhen"/>).</summary>
    public void Release() => _released = true;

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
        while (_released && _next < _steps.Length && Device.OutboxDepth < _maxOutboxDepth)
        {
            var (unixMs, samples) = _steps[_next];
            var elapsedMs = unixMs - _clock.UnixMs;
            _clock.SetUnixMs(unixMs);
            foreach (var (channel, register) in samples) channel.Sample(Delivered(channel, register, elapsedMs));
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

    /// <summary>The register the channel shows for the dataset's <paramref name="register"/>: the
    /// dataset's rises while the output is curtailed are unmet (a decrease passes through; the register
    /// never goes below 0).</summary>
    private long Delivered(RegisterChannel channel, long register, long elapsedMs)
    {
        if (!_cuts.TryGetValue(channel, out var cut)) return register;
        var rise = register - cut.LastData;
        cut.LastData = register;
        if (_outputs!.IsCurtailed(channel.Name))
        {
            cut.CurtailedMs += Math.Max(0, elapsedMs);
            if (rise > 0) cut.Unmet += rise;
        }
        return Math.Max(0, register - cut.Unmet);
    }

    protected override IReadOnlyList<ChannelTruth> ReadChannels() =>
        _channels.Select(c => new ChannelTruth(c.Channel.Name, c.Unit, c.First, c.Channel.Register) is var t && _cuts.TryGetValue(c.Channel, out var cut)
            ? t with
            {
                UseClass = UseClass.Names[c.Channel.UseClass], Curtailed = _outputs!.IsCurtailed(c.Channel.Name), CutReason = CutReason.Names[c.Channel.CutReason],
                CurtailedMs = cut.CurtailedMs, Unmet = cut.Unmet, OutputSwitches = _outputs.Switches(c.Channel.Name),
            }
            : t).ToList();

    /// <summary>One output's bookkeeping, on the worker thread (snapshots copy it there too).</summary>
    private sealed class Cut
    {
        public long LastData { get; set; }
        public long Unmet { get; set; }
        public long CurtailedMs { get; set; }
    }
}
