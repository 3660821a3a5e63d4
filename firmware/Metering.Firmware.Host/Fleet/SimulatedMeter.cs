using Commons.Metering.Firmware.Host.Actuators;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Host.Sensors;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>A fleet meter with a simulated sensor: a pulse water meter (1 L per pulse, as
/// common reed-switch meters give), an S0 energy meter (1000 imp/kWh, IEC 62053-31, so 1 Wh per
/// pulse) or a firewood scale booking weighed loads against a permit. The water channel has a
/// simulated valve and the energy channel a relay (<see cref="SimulatedOutputs"/>): while the
/// output is curtailed nothing flows, so the register (and the truth) counts only what flowed.
/// A leak (<see cref="SetLeak"/>) adds a continuous flow on top of the household's use.</summary>
internal sealed class SimulatedMeter : HostedMeter
{
    public const string ChannelName = FleetOptions.ChannelName;
    // Water: a YF-S201-class flow sensor, 450 pulses per litre (hardware/sensors/yf-s201-flow), so
    // a household's use shows within seconds and every run exercises the core's exact rational
    // calibration (1000 mL per 450 pulses, remainder carried).
    private const long WaterMl = 1000;
    private const long WaterPulses = 450;
    private const long WhPerEnergyPulse = 1;   // 1000 imp/kWh
    private const int DebounceMs = 50;         // reed contacts: 50-100 ms (design brief, PCNT note)

    private readonly PulseChannel? _pulses;
    private readonly AccumulatorChannel? _scale;
    private readonly DiurnalProfile? _flow;
    private readonly ForestLoadProfile? _loads;
    private readonly PulseAccumulator? _pending;
    private readonly string _permit;
    private readonly SimulatedOutputs _outputs = new();
    private readonly double _drawMl;
    private double _drawPending;
    private double _leakMlPerMs;
    private long _baseline;
    private long _lastUnixMs;
    private volatile bool _frozen;

    public SimulatedMeter(string meterId, MeterKind kind, FleetOptions options, IClock clock, string flashPath, int seed)
        : base(meterId, kind, Config(options.Community, meterId, options.ReadingIntervalMs, options.OutboxCapacity, options.MaxInflight),
            clock, flashPath, options.Broker, seed, options.Durability)
    {
        var random = new SeededRandom(seed * 31 + 7);
        var scale = 0.5 + random.NextDouble(); // households differ: 0.5x-1.5x the mean
        _permit = "p-" + meterId;
        switch (kind)
        {
            case MeterKind.Water:
                _pulses = Device.AddPulseChannel(ChannelName, "mL", WaterMl, WaterPulses, DebounceMs);
                _flow = DiurnalProfile.Water(random, scale);
                _pending = new PulseAccumulator((double)WaterMl / WaterPulses);
                _outputs.AddValve(ChannelName);
                Device.SetOutput(_pulses, ChannelOutput.Valve);
                _drawMl = options.WaterDrawMl;
                break;
            case MeterKind.Energy:
                _pulses = Device.AddPulseChannel(ChannelName, "Wh", WhPerEnergyPulse, 1, DebounceMs);
                _flow = DiurnalProfile.Energy(random, scale);
                _pending = new PulseAccumulator(WhPerEnergyPulse);
                _outputs.AddRelay(ChannelName);
                Device.SetOutput(_pulses, ChannelOutput.Relay);
                break;
            default:
                _scale = Device.AddAccumulatorChannel(ChannelName, "g");
                _loads = new ForestLoadProfile(random, options.ForestLoadsPerDay);
                break;
        }
        Device.SetCommandHandler(_outputs);
    }

    /// <summary>On the worker: a leak of <paramref name="mlPerMinute"/> (0 ends it) on the water
    /// channel, flowing continuously whenever the valve is open.</summary>
    public void SetLeak(double mlPerMinute)
    {
        if (Kind != MeterKind.Water) throw new InvalidOperationException($"{MeterId} is not a water meter");
        if (!(mlPerMinute >= 0) || double.IsInfinity(mlPerMinute)) throw new ArgumentOutOfRangeException(nameof(mlPerMinute));
        _leakMlPerMs = mlPerMinute / 60_000;
    }

    public long Register => _pulses?.Register ?? _scale!.Register;

    /// <summary>The register of the first reading ever published (kept beside the flash file).</summary>
    public long Baseline
    {
        get => _baseline;
        set => _baseline = value;
    }

    /// <summary>Stops simulated use (the registers stay where they are) and takes a final
    /// reading; the meter is settled once everything in its outbox now is acknowledged.</summary>
    public void Freeze()
    {
        _frozen = true;
        Device.ReadNow();
        MarkOutbox();
        Snapshot();
    }

    public void StartUsage() => _lastUnixMs = Clock.UnixMs;

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
                var pulses = _pending!.Add(Flowed(_flow.Usage(_lastUnixMs, now), now - _lastUnixMs));
                if (pulses > 0) _pulses!.AddPulses(pulses);
            }
            else
            {
                foreach (var grams in _loads!.Loads(_lastUnixMs, now)) Device.BookLoad(_scale!, grams, _permit);
            }
            _lastUnixMs = now;
        }
        Device.Tick();
        Snapshot();
        return false;
    }

    /// <summary>What reaches the sensor of <paramref name="demand"/> units asked for in
    /// <paramref name="elapsedMs"/>: nothing while the output is curtailed (the demand is unmet,
    /// not deferred); water in whole draws when <see cref="FleetOptions.WaterDrawMl"/> is set; the
    /// leak on top.</summary>
    private double Flowed(double demand, long elapsedMs)
    {
        if (_outputs.IsCurtailed(ChannelName))
        {
            _drawPending = 0;
            return 0;
        }
        if (_drawMl > 0)
        {
            _drawPending += demand;
            demand = Math.Floor(_drawPending / _drawMl) * _drawMl;
            _drawPending -= demand;
        }
        return demand + _leakMlPerMs * elapsedMs;
    }

    protected override IReadOnlyList<ChannelTruth> ReadChannels()
    {
        var unit = Kind switch { MeterKind.Water => "mL", MeterKind.Energy => "Wh", _ => "g" };
        MeterChannel channel = _pulses is not null ? _pulses : _scale!;
        return
        [
            new ChannelTruth(ChannelName, unit, _baseline, channel.Register)
            {
                UseClass = UseClass.Names[channel.UseClass],
                Curtailed = _outputs.IsCurtailed(ChannelName),
                CutReason = CutReason.Names[channel.CutReason],
                Trip = channel.Trip,
                AllowanceUsed = channel.AllowanceUsed < 0 ? null : channel.AllowanceUsed,
                LeakMlPerMinute = _leakMlPerMs * 60_000,
            },
        ];
    }
}
