namespace Commons.Metering.Gateway.Ingest;

/// <summary>One channel of a reading: a cumulative register in the integer base unit of
/// <see cref="Resource"/> (docs/protocol.md, "reading").</summary>
public sealed record ChannelRegister(string Name, Resource Resource, long Register);

/// <summary>A decoded up/reading payload.</summary>
public sealed record Reading(long Seq, long TsMs, IReadOnlyList<ChannelRegister> Channels, string? Permit);

/// <summary>A decoded up/event payload.</summary>
public sealed record DeviceEvent(long Seq, long TsMs, string Kind, string? Channel, string? Detail);

/// <summary>A decoded up/status payload (retained; the last will is the bare "offline").
/// <paramref name="Confirm"/> is 1 when the device waits for end-to-end confirmations
/// (docs/protocol.md, "confirmation"); absent in older firmware and in the will.</summary>
public sealed record DeviceStatus(string State, string? Firmware, long? Boot, long? Outbox, long? BatteryMv, long? TsMs, long? Confirm = null)
{
    /// <summary>An online status that announces confirmations. The offline will says nothing either way.</summary>
    public bool AnnouncesConfirmation => State == "online" && Confirm == 1;
}

/// <summary>A decoded up/ack payload: the device's answer to a downlink command.</summary>
public sealed record CommandAck(string CommandId, bool Ok, string? Error, long TsMs);
