namespace Commons.Metering.Firmware.Host.Actuators;

/// <summary>Simulated valves and relays: the core drives them (its local policy and the gateway's
/// valve/relay commands) through <see cref="ICommandHandler"/>; the simulated sensors ask
/// <see cref="IsCurtailed"/> before they let anything flow. A valve starts open and a relay closed
/// (fail-safe wiring: de-energised = water and power on, firmware/README.md). Thread-safe: the
/// core calls from the meter's worker, snapshots read from any thread.</summary>
public sealed class SimulatedOutputs : ICommandHandler
{
    private readonly Dictionary<string, Output> _outputs = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>A valve on <paramref name="channel"/> (water stops while it is closed).</summary>
    public void AddValve(string channel) => Add(channel, isValve: true);

    /// <summary>A relay on <paramref name="channel"/> (the circuit is dead while it is open).</summary>
    public void AddRelay(string channel) => Add(channel, isValve: false);

    /// <summary>True while the channel's valve is closed or its relay open; false for a channel
    /// without an output.</summary>
    public bool IsCurtailed(string channel)
    {
        lock (_gate) return _outputs.TryGetValue(channel, out var o) && o.Curtailed;
    }

    /// <summary>How many times the output changed state (for tests: a trip drives it once).</summary>
    public int Switches(string channel)
    {
        lock (_gate) return _outputs.TryGetValue(channel, out var o) ? o.Switches : 0;
    }

    public bool ApplyValve(string channel, bool open) => Drive(channel, isValve: true, curtailed: !open);

    public bool ApplyRelay(string channel, bool open) => Drive(channel, isValve: false, curtailed: open);

    private void Add(string channel, bool isValve)
    {
        lock (_gate) _outputs.Add(channel, new Output(isValve));
    }

    private bool Drive(string channel, bool isValve, bool curtailed)
    {
        lock (_gate)
        {
            if (!_outputs.TryGetValue(channel, out var o) || o.IsValve != isValve) return false; // no such output: bad_field
            if (o.Curtailed != curtailed) o.Switches++;
            o.Curtailed = curtailed;
            return true;
        }
    }

    private sealed class Output(bool isValve)
    {
        public bool IsValve { get; } = isValve;
        public bool Curtailed { get; set; }
        public int Switches { get; set; }
    }
}
