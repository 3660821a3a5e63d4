namespace Commons.Metering.Gateway.Domain;

/// <summary>Why an uplink was rejected (docs/protocol.md, "Rejection reasons (gateway)").
/// Counted as metering_rejected_total{reason="..."} with the wire names of <see cref="Wire"/>.</summary>
public enum RejectReason
{
    Malformed,
    Oversized,
    UnsupportedVersion,
    BadTopic,
    UnknownMeter,
    Duplicate,
    BadUnit,
    ClockFuture,
    ClockPast,
    NegativeRegister,

    /// <summary>A register above <see cref="PayloadDecoder.MaxRegister"/> (2^53): sums of usage must stay exact integers.</summary>
    RegisterOutOfRange,

    /// <summary>The meter is over its uplink rate limit (embedded broker, Ingest/MeterRateLimiter.cs):
    /// refused without commit and without PUBACK, so the device keeps the uplink and resends it.</summary>
    RateLimited,
}

/// <summary>Flags that do not reject (metering_flagged_total{flag="..."}).</summary>
public enum ReadingFlag
{
    RegisterDecrease,
    SeqGap,
    Late,

    /// <summary>seq more than UsageRules.MaxSeqJump ahead of the meter's newest reading: kept as evidence, not counted.</summary>
    SeqJump,

    /// <summary>device time more than UsageRules.MaxTsBehindMs behind the meter's newest counted reading: kept, not counted.</summary>
    TsBehind,

    /// <summary>a register rise faster than physically possible (Ledger/Plausibility.cs): kept as evidence, not counted.</summary>
    ImplausibleRate,

    /// <summary>the reading confirmed an earlier implausible_rate one (it continues from it at a possible rate):
    /// usage counts from the held register on, the jump itself counts zero.</summary>
    ImplausibleConfirmed,

    /// <summary>a technician accepted a held implausible_rate channel as true use (Ledger/HeldReadings.cs): its
    /// rise counts, in the hour of the reading, and usage counts from its register on.</summary>
    ImplausibleAccepted,

    /// <summary>a technician rejected a held implausible_rate channel: kept as evidence, never counted, and no
    /// later reading is confirmed by continuing from it.</summary>
    ImplausibleRejected,

    /// <summary>a channel name new to a meter that has UsageRules.MaxChannelsPerMeter already: the row is kept
    /// as evidence, the channel is not created (no state, not listed, no usage).</summary>
    ChannelLimit,
    /// <summary>A gauge value outside its sensor's physical range (Domain/GaugeLimits.cs): stored,
    /// ignored by stage triggers.</summary>
    GaugeImpossible,
}

public static class Wire
{
    public static string Name(this RejectReason reason) => reason switch
    {
        RejectReason.Malformed => "malformed",
        RejectReason.Oversized => "oversized",
        RejectReason.UnsupportedVersion => "unsupported_version",
        RejectReason.BadTopic => "bad_topic",
        RejectReason.UnknownMeter => "unknown_meter",
        RejectReason.Duplicate => "duplicate",
        RejectReason.BadUnit => "bad_unit",
        RejectReason.ClockFuture => "clock_future",
        RejectReason.ClockPast => "clock_past",
        RejectReason.NegativeRegister => "negative_register",
        RejectReason.RateLimited => "rate_limited",
        RejectReason.RegisterOutOfRange => "register_out_of_range",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static string Name(this ReadingFlag flag) => flag switch
    {
        ReadingFlag.RegisterDecrease => "register_decrease",
        ReadingFlag.SeqGap => "seq_gap",
        ReadingFlag.Late => "late",
        ReadingFlag.SeqJump => "seq_jump",
        ReadingFlag.TsBehind => "ts_behind",
        ReadingFlag.ImplausibleRate => "implausible_rate",
        ReadingFlag.ImplausibleConfirmed => "implausible_confirmed",
        ReadingFlag.ImplausibleAccepted => "implausible_accepted",
        ReadingFlag.ImplausibleRejected => "implausible_rejected",
        ReadingFlag.ChannelLimit => "channel_limit",
        ReadingFlag.GaugeImpossible => "gauge_impossible",
        _ => throw new ArgumentOutOfRangeException(nameof(flag), flag, null),
    };
}
