using Commons.Metering.Gateway.Domain;

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

    /// <summary>docs/protocol.md, "Sequence and time bounds": a reading whose seq is more than this
    /// ahead of the meter's newest reading is flagged 'seq_jump': stored as evidence, zero usage, and
    /// the meter's sequence does not move, so one forged seq (e.g. 2^63-1) cannot make every later
    /// reading 'late'. A device reserves 1,000 seqs per flash write (firmware Limits.SeqReserveBlock),
    /// so a reboot skips at most that; a million is ~2 years of one reading a minute lost in transit.</summary>
    public const long MaxSeqJump = 1_000_000;

    public static bool IsSeqJump(MeterState meter, long seq) => meter.LastReadingSeq > 0 && seq > meter.LastReadingSeq + MaxSeqJump;

    /// <summary>docs/protocol.md, "Sequence and time bounds": device time may step back this far (an
    /// SNTP correction of a drifting clock) without consequence; a reading in sequence but stamped
    /// further behind the meter's newest counted reading is flagged 'ts_behind': stored, zero usage,
    /// baseline unchanged, so its rise is counted by the next reading in the hour of that reading, never
    /// booked into past hours' allowance.</summary>
    public const long MaxTsBehindMs = 10 * 60_000;

    public static bool IsTsBehind(MeterState meter, long tsMs) => meter.LastReadingTsMs > 0 && tsMs < meter.LastReadingTsMs - MaxTsBehindMs;

    public static MeterState AfterReading(MeterState meter, long seq, long tsMs = 0) =>
        new(Math.Max(meter.LastSeq, seq), Math.Max(meter.LastReadingSeq, seq), Math.Max(meter.LastReadingTsMs, tsMs));

    /// <summary>The reading-level flag, most severe first: seq_jump, late, ts_behind, seq_gap (or none).</summary>
    public static ReadingFlag? ReadingFlagOf(MeterState meter, Reading reading) =>
        IsSeqJump(meter, reading.Seq) ? ReadingFlag.SeqJump
        : IsLate(meter, reading.Seq) ? ReadingFlag.Late
        : IsTsBehind(meter, reading.TsMs) ? ReadingFlag.TsBehind
        : IsGap(meter, reading.Seq) ? ReadingFlag.SeqGap
        : null;

    /// <summary>docs/protocol.md, "Sequence and time bounds": channels one meter may have. A reading
    /// carries at most 16 (PayloadDecoder.MaxChannels) and a meter's channels are its wiring, so 64
    /// leaves room for renames; beyond it a device could create names without end (4,801 from 300
    /// readings made /api/v1/meters 227 KB).</summary>
    public const int MaxChannelsPerMeter = 64;

    public static MeterState AfterEvent(MeterState meter, long seq) =>
        meter with { LastSeq = Math.Max(meter.LastSeq, seq) };
}
