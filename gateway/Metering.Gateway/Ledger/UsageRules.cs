using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>The ledger's rules for turning cumulative registers into usage (docs/protocol.md,
/// "reading"; docs/design.md "The wire contract"). Pure functions, tested without a database.</summary>
public static class UsageRules
{
    /// <summary>Usage lands in the hour bucket of the reading's device time.</summary>
    public const long HourMs = 3_600_000;

    public static long HourStartMs(long tsMs) => tsMs - (((tsMs % HourMs) + HourMs) % HourMs);

    /// <summary>A reading older than the newest committed reading of the meter is 'late': stored,
    /// zero usage, since the later register already counted it.</summary>
    public static bool IsLate(MeterState meter, long seq) => seq < meter.LastReadingSeq;

    /// <summary>A sequence number that skips ahead of the newest committed uplink (reading or event)
    /// is flagged 'seq_gap', informational: a lost message loses resolution, never usage.</summary>
    public static bool IsGap(MeterState meter, long seq) => meter.LastSeq > 0 && seq > meter.LastSeq + 1;

    /// <summary>Usage of one channel of an in-order reading. No prior state: baseline, zero usage.
    /// A register below the baseline: flagged 'register_decrease', new baseline, zero usage, never
    /// negative. Otherwise the difference.</summary>
    public static (long UsageBase, ReadingFlag? Flag) ChannelDelta(ChannelState? prior, long register)
    {
        if (prior is not { } p) return (0, null);
        if (register < p.LastRegister) return (0, ReadingFlag.RegisterDecrease);
        return (register - p.LastRegister, null);
    }

    public static MeterState AfterReading(MeterState meter, long seq) =>
        new(Math.Max(meter.LastSeq, seq), Math.Max(meter.LastReadingSeq, seq));

    public static MeterState AfterEvent(MeterState meter, long seq) =>
        meter with { LastSeq = Math.Max(meter.LastSeq, seq) };
}
