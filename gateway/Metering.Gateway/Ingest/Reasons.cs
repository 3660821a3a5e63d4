namespace Commons.Metering.Gateway.Ingest;

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

    /// <summary>A gauge value outside its sensor's physical range (Ingest/GaugeLimits.cs): stored,
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
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static string Name(this ReadingFlag flag) => flag switch
    {
        ReadingFlag.RegisterDecrease => "register_decrease",
        ReadingFlag.SeqGap => "seq_gap",
        ReadingFlag.Late => "late",
        ReadingFlag.GaugeImpossible => "gauge_impossible",
        _ => throw new ArgumentOutOfRangeException(nameof(flag), flag, null),
    };
}
