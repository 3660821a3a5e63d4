using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>A technician's decision on one channel of a reading held as implausible_rate
/// (<see cref="Plausibility"/>): accept its rise as true use, or reject it for good.</summary>
public enum HeldDecision
{
    Accept,
    Reject,
}

/// <summary>A technician decides on a held reading channel. Goes through the single ledger writer like
/// every other write, so the check that it is still held and the change are one transaction, in order
/// with the meter's readings: a reading that moved the channel's baseline past it first wins, and the
/// decision is refused (nothing counted twice).</summary>
public sealed record HeldDecisionWrite(MeterInfo MeterInfo, long Seq, string Channel, HeldDecision Decision, string Actor, string Reason, long ReceivedMs)
    : LedgerWrite(MeterInfo.Id, ReceivedMs);

/// <summary>What an accepted held reading changed: its rise (<see cref="UsageBase"/>, booked in the hour
/// of <see cref="TsMs"/>), counted from the baseline register at <see cref="FromTsMs"/> to <see cref="Register"/>,
/// which is the channel's baseline from now on.</summary>
public sealed record HeldAcceptance(string Channel, long Register, long TsMs, long FromRegister, long FromTsMs, long UsageBase);

/// <summary>One held reading channel as the technicians' list shows it: the reading, the baseline it
/// jumped from, and the rise it implies.</summary>
public sealed record HeldReadingView(
    string Meter, string Community, string Resource, string Channel, long Seq, long Register, long TsMs, long ReceivedMs,
    long BaselineSeq, long BaselineRegister, long BaselineTsMs)
{
    public long Rise => Register - BaselineRegister;
}

/// <summary>A held channel row as the ledger stores it (its register and device time).</summary>
public readonly record struct HeldRow(long Register, long TsMs);
