using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>A technician's decision on a held reading channel (<see cref="HeldDecisionWrite"/>).
/// Accept: its rise over the baseline counts (hour of the reading), it becomes the baseline, the row
/// keeps its register and now carries the usage (implausible_accepted), and the sink gets the corrected
/// point. Reject: the row stays as evidence, never counted (implausible_rejected), and no later reading
/// can be confirmed by continuing from it. Only while it is still held: once a later reading of the
/// channel was counted, the hold is over (that reading counted from the old baseline, or confirmed the
/// jump as a discontinuity), and a decision would count the same rise twice.</summary>
internal sealed partial class LedgerBatch
{
    private LedgerOutcome ApplyHeldDecision(ILedgerTransaction tx, HeldDecisionWrite w)
    {
        var what = $"{w.Meter}/{w.Channel} seq {w.Seq}";
        if (tx.GetHeld(w.Meter, w.Seq, w.Channel) is not { } held)
            return LedgerOutcome.Refuse($"{what} is not a held reading: never held, or already decided.");
        // A held row always has a baseline (the reading it jumped from); a newer one means the hold is over.
        var current = tx.GetChannel(w.Meter, w.Channel);
        if (current is not { } baseline || baseline.LastSeq > w.Seq)
            return LedgerOutcome.Refuse(
                $"{what} is no longer held: a later reading (seq {current?.LastSeq}) was counted since, from the baseline before it or continuing from it.");
        if (w.Decision == HeldDecision.Reject)
        {
            tx.DecideHeld(w.Meter, w.Seq, w.Channel, ReadingFlag.ImplausibleRejected.Name(), 0, w.Actor, w.Reason, w.ReceivedMs);
            return new LedgerOutcome(LedgerStatus.Committed, []);
        }
        var rise = held.Register - baseline.LastRegister;
        if (rise < 0) return LedgerOutcome.Refuse($"{what}: its register {held.Register} is below the baseline {baseline.LastRegister}.");
        var flag = ReadingFlag.ImplausibleAccepted.Name();
        tx.DecideHeld(w.Meter, w.Seq, w.Channel, flag, rise, w.Actor, w.Reason, w.ReceivedMs);
        tx.SetChannel(w.Meter, w.Channel, new ChannelState(w.Seq, held.Register, held.TsMs));
        if (rise > 0) tx.AddHourlyUsage(w.Meter, w.Channel, UsageRules.HourStartMs(held.TsMs), rise);
        if (sinkRows is not null)
        {
            // The same point (series and time) as the held one: InfluxDB keeps the newer fields. The series
            // includes the household tag: without it the usage would stand in a series of its own.
            var channel = new ChannelRegister(w.Channel, w.MeterInfo.Resource, held.Register);
            var row = sinkRows.Reading(w.MeterInfo, new Reading(w.Seq, held.TsMs, [channel], null), channel, rise, flag, households?.HouseholdOf(w.Meter));
            if (row is not null) tx.AppendOutbox(row);
        }
        return new LedgerOutcome(LedgerStatus.Committed, [])
        {
            Accepted = new HeldAcceptance(w.Channel, held.Register, held.TsMs, baseline.LastRegister, baseline.LastTsMs, rise),
        };
    }
}
