namespace Commons.Metering.Firmware.Host.Fleet;

public enum MeterKind
{
    Water,
    Energy,
    Forest,
}

/// <summary>One channel as the device knows it. The gateway's ledger for this channel must
/// come to <see cref="Usage"/>: the register now minus the register of the first reading ever
/// published (the baseline), when the register never went down and every reading is drained.</summary>
public sealed record ChannelTruth(string Name, string Unit, long BaselineRegister, long Register)
{
    public long Usage => Register - BaselineRegister;

    /// <summary>The use class the gateway gave the channel: essential, standard (default) or discretionary.</summary>
    public string UseClass { get; init; } = "standard";

    /// <summary>The simulated output as driven: valve closed / relay open. Nothing flows meanwhile.</summary>
    public bool Curtailed { get; init; }

    /// <summary>Why the device's local policy curtails it: none, safety, stage, allowance (a
    /// gateway valve/relay command shows as <see cref="Curtailed"/> with reason none).</summary>
    public string CutReason { get; init; } = "none";

    /// <summary>The safety trip in force on the device: null, "leak" or "burst".</summary>
    public string? Trip { get; init; }

    /// <summary>Use in the current allowance period as the device counts it; null without an allowance.</summary>
    public long? AllowanceUsed { get; init; }

    /// <summary>The injected leak (mL per minute of device time), 0 when none.</summary>
    public double LeakMlPerMinute { get; init; }

    /// <summary>Device time (ms) the channel's output was curtailed while use was simulated or replayed.</summary>
    public long CurtailedMs { get; init; }

    /// <summary>Use asked for while the output was curtailed, which never reached the register (base units,
    /// rounded down): the simulated household's demand, or the replayed dataset's rises.</summary>
    public long Unmet { get; init; }

    /// <summary>How often the output changed state (0: never driven away from its fail-safe state).</summary>
    public int OutputSwitches { get; init; }
}

/// <summary>A meter's state, as its worker last saw it after a step. Published/Acknowledged
/// count every uplink of this meter (readings, events, status) handed to and PUBACKed by the
/// broker since this process started it.</summary>
public sealed record MeterTruth(
    string MeterId, MeterKind Kind, IReadOnlyList<ChannelTruth> Channels, int OutboxDepth, bool IsConnected, long LastSeq,
    long Published, long Acknowledged, string? Fault)
{
    /// <summary>The outbox is empty, or everything that was in it when the fleet was frozen has
    /// been confirmed, or acknowledged while the device relies on PUBACKs (periodic readings of the
    /// frozen registers may still follow).</summary>
    public bool Settled { get; init; }

    /// <summary>After a freeze: the seq of the final reading (the registers it carries are
    /// <see cref="Channels"/>' registers).</summary>
    public long? FinalSeq { get; init; }

    /// <summary>The shortage stage the device last received (0-3).</summary>
    public int Stage { get; init; }

    /// <summary>The device has learnt that its gateway confirms (docs/protocol.md, confirmation).</summary>
    public bool WaitsForConfirmation { get; init; }

    public ChannelTruth Channel(string name) => Channels.Single(c => c.Name == name);
}
