using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>Gauge uplinks: one row per gauge keyed (meter, seq, gauge), the meter's seq state, the
/// sinks' outbox rows; a value impossible for its sensor is flagged, stored, and counted.</summary>
internal sealed partial class LedgerBatch
{
    private LedgerOutcome ApplyGauge(ILedgerTransaction tx, GaugeWrite w)
    {
        var uplink = w.Gauge;
        var state = tx.GetMeterState(w.Meter);
        List<ReadingFlag>? flags = null;
        for (int i = 0; i < uplink.Gauges.Count; i++)
        {
            var gauge = uplink.Gauges[i];
            var impossible = !GaugeLimits.IsPossible(gauge);
            var flag = impossible ? ReadingFlag.GaugeImpossible.Name() : null;
            if (!tx.TryInsertGauge(w.Meter, uplink, gauge, flag, w.ReceivedMs))
            {
                // The decoder refuses duplicate names, so only a redelivery collides, on its first row.
                return LedgerOutcome.Duplicate;
            }
            if (impossible) (flags ??= new List<ReadingFlag>(1)).Add(ReadingFlag.GaugeImpossible);
            if (sinkRows?.Gauge(w.MeterInfo, uplink, gauge, flag) is { } row) tx.AppendOutbox(row);
        }
        tx.SetMeterState(w.Meter, UsageRules.AfterEvent(state, uplink.Seq));
        tx.RecordSeen(w.Meter, w.ReceivedMs);
        return flags is null ? LedgerOutcome.Committed : new LedgerOutcome(LedgerStatus.Committed, flags);
    }
}
