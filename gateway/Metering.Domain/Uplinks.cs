namespace Commons.Metering.Gateway.Domain;

/// <summary>One channel of a reading: a cumulative register in the integer base unit of
/// <see cref="Resource"/> (docs/protocol.md, "reading").</summary>
public sealed record ChannelRegister(string Name, Resource Resource, long Register);

/// <summary>A decoded up/reading payload.</summary>
public sealed record Reading(long Seq, long TsMs, IReadOnlyList<ChannelRegister> Channels, string? Permit);

/// <summary>A decoded up/event payload.</summary>
public sealed record DeviceEvent(long Seq, long TsMs, string Kind, string? Channel, string? Detail);

/// <summary>A decoded up/status payload (retained; the last will is the bare "offline").
/// <paramref name="Confirm"/> (docs/protocol.md, "status" and "confirmation"): 1 when the device
/// understands end-to-end confirmations but still removes a record on its PUBACK (it has never been
/// confirmed), 2 when it waits for confirmations; absent in older firmware and in the will.</summary>
public sealed record DeviceStatus(string State, string? Firmware, long? Boot, long? Outbox, long? BatteryMv, long? TsMs, long? Confirm = null)
{
    /// <summary>An online status that announces confirmations (1 or 2). The offline will says nothing either way.</summary>
    public bool AnnouncesConfirmation => State == "online" && Confirm is 1 or 2;

    /// <summary>The device waits for confirmations (2): its PUBACK need not wait for the commit.</summary>
    public bool WaitsForConfirmation => State == "online" && Confirm == 2;
}

/// <summary>A decoded up/ack payload: the device's answer to a downlink command.</summary>
public sealed record CommandAck(string CommandId, bool Ok, string? Error, long TsMs);
