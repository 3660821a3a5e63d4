using Commons.Metering.Firmware.Host.Actuators;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Host.Sensors;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>A fleet meter with a simulated sensor: a pulse water meter (a YF-S201-class flow sensor), an
/// S0 energy meter (1000 imp/kWh, IEC 62053-31, so 1 Wh per pulse) or a firewood scale booking weighed
/// loads against a permit. A water or energy meter has one channel <c>main</c> or, with
/// <see cref="FleetOptions.Circuits"/>, one channel per circuit; each has its own simulated valve (water)
/// or relay (energy) (<see cref="SimulatedOutputs"/>), driven by the core: while it is curtailed nothing
/// flows on that circuit, so the register (and the truth) counts only what flowed. A leak
/// (<see cref="SetLeak"/>) adds a continuous flow on the first circuit.</summary>
internal sealed class SimulatedMeter : HostedMeter
{
    // Water: a YF-S201-class flow sensor, 450 pulses per litre (hardware/sensors/yf-s201-flow), so
    // a household's use shows within seconds and every run exercises the core's exact rational
    // calibration (1000 mL per 450 pulses, remainder carried).
    private const long WaterMl = 1000;
    private const long WaterPulses = 450;
    private const long WhPerEnergyPulse = 1;   // 1000 imp/kWh
    private const int DebounceMs = 50;         // reed contacts: 50-100 ms (docs/design.md, "Device constraints")

    private readonly Circuit[] _circuits;
    private readonly AccumulatorChannel? _scale;
    private readonly DiurnalProfile? _flow;
    private readonly ForestLoadProfile? _loads;
    private readonly string _permit;
    private readonly SimulatedOutputs _outputs = new();
    private readonly double _drawMl;
    // FleetOptions.FirstUseWithinMs: when this meter's first draw or load happens, after StartUsage.
    private readonly long _firstUseAfterMs = -1;
    private long _firstUseAtUnixMs = long.MaxValue;
    private double _leakMlPerMs;
    private long _lastUnixMs;
    private volatile bool _frozen;

    public SimulatedMeter(string meterId, MeterKind kind, FleetOptions options, IClock clock, string flashPath, int seed)
        : base(meterId, kind, Config(options.Community, meterId, options.ReadingIntervalMs, options.OutboxCapacity, options.MaxInflight,
                options.DeviceConfirmTimeoutMs),
            clock, flashPath, options.Broker, seed, options.Durability)
    {
        var random = new SeededRandom(seed * 31 + 7);
        var scale = 0.5 + random.NextDouble(); // households differ: 0.5x-1.5x the mean
        _permit = "p-" + meterId;
        if (kind == MeterKind.Forest)
        {
            _scale = Device.AddAccumulatorChannel(FleetOptions.ChannelName, "g");
            _loads = new ForestLoadProfile(random, options.ForestLoadsPerDay);
            _circuits = [];
        }
        else
        {
            var water = kind == MeterKind.Water;
            _flow = water ? DiurnalProfile.Water(random, scale) : DiurnalProfile.Energy(random, scale);
            _drawMl = water ? options.WaterDrawMl : 0;
            var specs = options.Circuits.Count > 0 ? options.Circuits : [new SimulatedCircuit(FleetOptions.ChannelName, 1)];
            var total = specs.Sum(c => c.Share);
            _circuits = specs.Select(c => new Circuit(c.Name, c.Share / total,
                water ? Device.AddPulseChannel(c.Name, "mL", WaterMl, WaterPulses, DebounceMs) : Device.AddPulseChannel(c.Name, "Wh", WhPerEnergyPulse, 1, DebounceMs),
                new PulseAccumulator(water ? (double)WaterMl / WaterPulses : WhPerEnergyPulse))).ToArray();
            foreach (var c in _circuits)
            {
                if (water) _outputs.AddValve(c.Name);
                else _outputs.AddRelay(c.Name);
                Device.SetOutput(c.Pulses, water ? ChannelOutput.Valve : ChannelOutput.Relay);
            }
        }
        Device.SetCommandHandler(_outputs);
        // Drawn last, and only when asked for, so fleets without it keep their seeded profiles.
        if (options.FirstUseWithinMs > 0 && kind != MeterKind.Energy) _firstUseAfterMs = (long)(random.NextDouble() * options.FirstUseWithinMs);
    }

    /// <summary>On the worker: a leak of <paramref name="mlPerMinute"/> (0 ends it) on the first water
    /// circuit, flowing continuously whenever its valve is open.</summary>
    public void SetLeak(double mlPerMinute)
    {
        if (Kind != MeterKind.Water) throw new InvalidOperationException($"{MeterId} is not a water meter");
        if (!(mlPerMinute >= 0) || double.IsInfinity(mlPerMinute)) throw new ArgumentOutOfRangeException(nameof(mlPerMinute));
        _leakMlPerMs = mlPerMinute / 60_000;
    }

    /// <summary>The channels' registers, in channel order.</summary>
    public IReadOnlyList<long> Registers => _scale is not null ? [_scale.Register] : _circuits.Select(c => c.Pulses.Register).ToList();

    /// <summary>The registers of the first reading ever published, in channel order (kept beside the flash file).</summary>
    public IReadOnlyList<long> Baselines { get; set; } = [];

    /// <summary>Stops simulated use (the registers stay where they are) and takes a final
    /// reading; the meter is settled once everything in its outbox now is acknowledged.</summary>
    public void Freeze()
    {
        _frozen = true;
        Device.ReadNow();
        MarkOutbox();
        Snapshot();
    }

    public void StartUsage()
    {
        _lastUnixMs = Clock.UnixMs;
        if (_firstUseAfterMs >= 0) _firstUseAtUnixMs = _lastUnixMs + _firstUseAfterMs;
    }

    public void ReadNow()
    {
        Device.ReadNow();
        Snapshot();
    }

    public override bool Step()
    {
        RunCommands();
        var now = Clock.UnixMs;
        if (!_frozen && now > _lastUnixMs)
        {
            if (_flow is not null)
            {
                // One draw of the household's demand, split over its circuits by their shares.
                var demand = _flow.Usage(_lastUnixMs, now);
                for (var i = 0; i < _circuits.Length; i++) Flow(_circuits[i], demand, now - _lastUnixMs, leak: i == 0);
            }
            else
            {
                foreach (var grams in _loads!.Loads(_lastUnixMs, now)) Device.BookLoad(_scale!, grams, _permit);
            }
            _lastUnixMs = now;
            if (now >= _firstUseAtUnixMs) FirstUse();
        }
        Device.Tick();
        Snapshot();
        return false;
    }

    /// <summary>FleetOptions.FirstUseWithinMs: one draw on the first circuit (none while its valve is
    /// curtailed) or one load booked with the permit.</summary>
    private void FirstUse()
    {
        _firstUseAtUnixMs = long.MaxValue;
        if (_loads is not null) { Device.BookLoad(_scale!, _loads.NextLoadGrams(), _permit); return; }
        var c = _circuits[0];
        if (_outputs.IsCurtailed(c.Name)) return;
        var pulses = c.Pending.Add(_drawMl > 0 ? _drawMl : DefaultFirstDrawMl);
        if (pulses > 0) c.Pulses.AddPulses(pulses);
    }

    /// <summary>A first draw when FleetOptions.WaterDrawMl is 0: a bucket, 5 L.</summary>
    private const double DefaultFirstDrawMl = 5_000;

    /// <summary>What reaches one circuit's sensor of the household's <paramref name="demand"/> in
    /// <paramref name="elapsedMs"/>: nothing while its output is curtailed (the demand is unmet, not
    /// deferred); water in whole draws when <see cref="FleetOptions.WaterDrawMl"/> is set; the leak on top.</summary>
    private void Flow(Circuit c, double demand, long elapsedMs, bool leak)
    {
        var asked = demand * c.Share + (leak ? _leakMlPerMs * elapsedMs : 0);
        if (_outputs.IsCurtailed(c.Name))
        {
            c.DrawPending = 0;
            c.CurtailedMs += elapsedMs;
            c.Unmet += asked;
            return;
        }
        var flowed = asked;
        if (_drawMl > 0)
        {
            // Whole draws of the use; the leak is continuous.
            var use = demand * c.Share;
            c.DrawPending += use;
            var drawn = Math.Floor(c.DrawPending / _drawMl) * _drawMl;
            c.DrawPending -= drawn;
            flowed = asked - use + drawn;
        }
        var pulses = c.Pending.Add(flowed);
        if (pulses > 0) c.Pulses.AddPulses(pulses);
    }

    protected override IReadOnlyList<ChannelTruth> ReadChannels()
    {
        if (_scale is not null)
            return [new ChannelTruth(FleetOptions.ChannelName, "g", Baselines.Count > 0 ? Baselines[0] : 0, _scale.Register)];
        var unit = Kind == MeterKind.Water ? "mL" : "Wh";
        return _circuits.Select((c, i) => new ChannelTruth(c.Name, unit, i < Baselines.Count ? Baselines[i] : 0, c.Pulses.Register)
        {
            UseClass = UseClass.Names[c.Pulses.UseClass],
            Curtailed = _outputs.IsCurtailed(c.Name),
            CutReason = CutReason.Names[c.Pulses.CutReason],
            Trip = c.Pulses.Trip,
            AllowanceUsed = c.Pulses.AllowanceUsed < 0 ? null : c.Pulses.AllowanceUsed,
            LeakMlPerMinute = i == 0 ? _leakMlPerMs * 60_000 : 0,
            CurtailedMs = c.CurtailedMs,
            Unmet = (long)c.Unmet,
            OutputSwitches = _outputs.Switches(c.Name),
        }).ToList();
    }

    private sealed class Circuit(string name, double share, PulseChannel pulses, PulseAccumulator pending)
    {
        public string Name { get; } = name;
        public double Share { get; } = share;
        public PulseChannel Pulses { get; } = pulses;
        public PulseAccumulator Pending { get; } = pending;
        public double DrawPending { get; set; }
        public long CurtailedMs { get; set; }
        public double Unmet { get; set; }
    }
}
