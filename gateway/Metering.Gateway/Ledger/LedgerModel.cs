using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>A registered meter: the registry's row.</summary>
public sealed record MeterInfo(string Id, string Community, Resource Resource);

/// <summary>Per-meter sequence state: the newest seq of any committed uplink (gap detection) and of
/// any committed reading (late detection), and the newest device time of a counted reading
/// (ts_behind detection). Zero = nothing committed yet.</summary>
public readonly record struct MeterState(long LastSeq, long LastReadingSeq, long LastReadingTsMs = 0);

/// <summary>Per-channel register state: the reading that set the current baseline, and its device
/// time (the span a register rise is judged over, <see cref="Plausibility"/>).</summary>
public readonly record struct ChannelState(long LastSeq, long LastRegister, long LastTsMs = 0);

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

    /// <summary>A technician's decision on a held reading that no longer applies (<see cref="LedgerOutcome.Refusal"/> says why): nothing changed.</summary>
    Refused,
}

/// <summary>What the commit did with one write; flags are counted once each (per reading for
/// late and seq_gap, per channel for register_decrease).</summary>
/// <summary>For a reading, also which channels the ledger did not count (<see cref="Uncounted"/>: late,
/// seq_jump, ts_behind, implausible_rate; their registers must not move any baseline or feed any
/// policy decision) and which channels' baselines moved to a held register the reading confirmed
/// (<see cref="Rebased"/>: channel -> the register usage now counts from).</summary>
public sealed record LedgerOutcome(LedgerStatus Status, IReadOnlyList<ReadingFlag> Flags, MeterInfo? Existing = null)
{
    public IReadOnlyCollection<string> Uncounted { get; init; } = [];
    public IReadOnlyDictionary<string, long> Rebased { get; init; } = new Dictionary<string, long>();

    /// <summary>A decision on a held reading: why it was refused (<see cref="LedgerStatus.Refused"/>).</summary>
    public string? Refusal { get; init; }

    /// <summary>An accepted held reading: what now counts.</summary>
    public HeldAcceptance? Accepted { get; init; }

    public static LedgerOutcome Refuse(string why) => new(LedgerStatus.Refused, []) { Refusal = why };

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

/// <summary>One hour bucket of one channel (the ledger's hourly_usage row).</summary>
public sealed record HourUsage(string Channel, long HourStartMs, long Usage);

/// <summary>One channel of a stored reading as the ledger holds it: the register the device sent,
/// the usage counted from it (0 when a flag kept it from counting) and why.</summary>
public sealed record ReadingRow(long Seq, long TsMs, long ReceivedMs, string Channel, string Unit, long Register, long Usage, string? Flag, string? ReadingFlag);
