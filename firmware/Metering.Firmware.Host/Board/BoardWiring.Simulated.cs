using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Host.Sensors;

namespace Commons.Metering.Firmware.Host.Board;

/// <summary>The simulated stand-ins for drivers this host cannot run: a household's water or energy
/// use (<see cref="DiurnalProfile"/>), a PZEM's energy register, firewood loads at the scale
/// (<see cref="ForestLoadProfile"/>). A curtailed simulated output lets nothing flow.</summary>
public sealed partial class BoardWiring
{
    private readonly List<Action<long, long>> _simulated = [];

    /// <summary>True when at least one channel is simulated.</summary>
    public bool HasSimulatedSensors => _simulated.Count > 0;

    /// <summary>Advances the simulated sensors over device time [from, to) (Unix ms).</summary>
    public void Simulate(long fromUnixMs, long toUnixMs)
    {
        if (toUnixMs <= fromUnixMs) return;
        foreach (var step in _simulated) step(fromUnixMs, toUnixMs);
    }

    private SeededRandom RandomFor(string channel) => new(StableHash(_meterId + "/" + channel));

    private bool Curtailed(string channel) => _simulatedOutputs?.IsCurtailed(channel) ?? false;

    private void AddSimulatedPulses(ChannelSpec c, PulseChannel channel)
    {
        var profile = c.Unit == "Wh" // profiles give mL and Wh, the channels' units
             ? DiurnalProfile.Energy(RandomFor(c.Name)) : DiurnalProfile.Water(RandomFor(c.Name));
        var pending = new PulseAccumulator((double)c.UnitsNumerator / c.PulsesDenominator);
        _simulated.Add((from, to) =>
        {
            var pulses = pending.Add(profile.Usage(from, to));
            if (pulses > 0 && !Curtailed(c.Name)) channel.AddPulses(pulses);
        });
    }

    private void AddSimulatedRegister(RegisterChannel channel)
    {
        var profile = DiurnalProfile.Energy(RandomFor(channel.Name));
        var registerWh = 0.0;
        _simulated.Add((from, to) =>
        {
            if (!Curtailed(channel.Name)) registerWh += profile.Usage(from, to);
            channel.Sample((long)registerWh);
        });
    }

    private void AddSimulatedLoads(AccumulatorChannel channel)
    {
        var loads = new ForestLoadProfile(RandomFor(channel.Name));
        var permit = _setup.PermitCount > 0 ? _setup.PermitIds[0] : "simulated";
        _simulated.Add((from, to) =>
        {
            foreach (var grams in loads.Loads(from, to)) _device.BookLoad(channel, grams, permit);
        });
    }

    /// <summary>FNV-1a: string.GetHashCode differs per process, and a restarted simulated device
    /// should keep its household.</summary>
    private static int StableHash(string text)
    {
        var hash = 2166136261u; // FNV-1a 32-bit offset basis
        foreach (var ch in text) hash = (hash ^ ch) * 16777619u; // FNV prime
        return (int)hash;
    }
}
