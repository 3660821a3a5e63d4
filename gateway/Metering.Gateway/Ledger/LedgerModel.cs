using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>A registered meter: the registry's row.</summary>
public sealed record MeterInfo(string Id, string Community, Resource Resource);

/// <summary>Per-meter sequence state: the newest seq of any committed uplink (gap detection) and of
/// any committed reading (late detection). Zero = nothing committed yet.</summary>
public readonly record struct MeterState(long LastSeq, long LastReadingSeq);

/// <summary>Per-channel register state: the reading that set the current baseline.</summary>
public readonly record struct ChannelState(long LastSeq, long LastRegister);

/// <summary>A unit of work for the single ledger writer. Every write of the gateway goes through
/// it, so one SQLite connection writes and group commit covers them all.</summary>
public abstract record LedgerWrite(string Meter, long ReceivedMs);

/// <summary>A reading of a registered meter (or of one to register in the same transaction when
/// <paramref name="RegisterMeter"/> is set: Registry:AutoRegister).</summary>
public sealed record ReadingWrite(MeterInfo MeterInfo, Reading Reading, long ReceivedMs, bool RegisterMeter = false)
    : LedgerWrite(MeterInfo.Id, ReceivedMs);

public sealed record EventWrite(MeterInfo MeterInfo, DeviceEvent Event, long ReceivedMs) : LedgerWrite(MeterInfo.Id, ReceivedMs);

public sealed record StatusWrite(MeterInfo MeterInfo, DeviceStatus Status, long ReceivedMs) : LedgerWrite(MeterInfo.Id, ReceivedMs);

public sealed record AckWrite(MeterInfo MeterInfo, CommandAck Ack, long ReceivedMs) : LedgerWrite(MeterInfo.Id, ReceivedMs);

public sealed record RegisterMeterWrite(MeterInfo MeterInfo, long ReceivedMs) : LedgerWrite(MeterInfo.Id, ReceivedMs);

public enum LedgerStatus
{
    /// <summary>Committed as new.</summary>
    Committed,

    /// <summary>(meter, seq) was already committed: nothing changed (a redelivery).</summary>
    Duplicate,

    /// <summary>Registration: the meter existed with the same community and resource.</summary>
    AlreadyRegistered,

    /// <summary>Registration: the meter existed with another community or resource.</summary>
    Conflict,
}

/// <summary>What the commit did with one write; flags are counted once each (per reading for
/// late and seq_gap, per channel for register_decrease).</summary>
public sealed record LedgerOutcome(LedgerStatus Status, IReadOnlyList<ReadingFlag> Flags, MeterInfo? Existing = null)
{
    public static readonly LedgerOutcome Committed = new(LedgerStatus.Committed, []);
    public static readonly LedgerOutcome Duplicate = new(LedgerStatus.Duplicate, []);
}

/// <summary>A meter as GET /api/v1/meters shows it.</summary>
public sealed record MeterView(
    MeterInfo Meter, long? LastSeenMs, long LastSeq, IReadOnlyList<ChannelView> Channels, StatusView? Status);

public sealed record ChannelView(string Name, long LastSeq, long Register);

public sealed record StatusView(string State, string? Firmware, long? Boot, long? Outbox, long? BatteryMv, long? TsMs, long ReceivedMs);

/// <summary>Usage of one channel summed over whole hour buckets.</summary>
public sealed record ChannelUsage(string Channel, long Usage);
