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
}

/// <summary>A meter's state, as its worker last saw it after a step. Published/Acknowledged
/// count every uplink of this meter (readings, events, status) handed to and PUBACKed by the
/// broker since this process started it.</summary>
public sealed record MeterTruth(
    string MeterId, MeterKind Kind, IReadOnlyList<ChannelTruth> Channels, int OutboxDepth, bool IsConnected, long LastSeq,
    long Published, long Acknowledged, string? Fault)
{
    /// <summary>The outbox is empty, or everything that was in it when the fleet was frozen has
    /// been acknowledged (periodic readings of the frozen registers may still follow).</summary>
    public bool Settled { get; init; }

    /// <summary>After a freeze: the seq of the final reading (the registers it carries are
    /// <see cref="Channels"/>' registers).</summary>
    public long? FinalSeq { get; init; }

    public ChannelTruth Channel(string name) => Channels.Single(c => c.Name == name);
}
