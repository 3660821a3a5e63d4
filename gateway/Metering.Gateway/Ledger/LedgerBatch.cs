using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>Applies the writes of one group-commit batch inside one transaction, in queue order.
/// For a reading: one row per channel (PRIMARY KEY (meter, seq, channel); a redelivery is a
/// duplicate and changes nothing), per-channel state, hourly usage and the sink outbox rows, all in
/// the same transaction, so a crash at any instant loses nothing and counts nothing twice.</summary>
internal sealed partial class LedgerBatch(bool writeOutbox)
{
    private readonly OutboxLines _lines = new();

    public LedgerOutcome Apply(ILedgerTransaction tx, LedgerWrite write) => write switch
    {
        ReadingWrite r => ApplyReading(tx, r),
        EventWrite e => ApplyEvent(tx, e),
        StatusWrite s => ApplyStatus(tx, s),
        AckWrite a => ApplyAck(tx, a),
        GaugeWrite g => ApplyGauge(tx, g),
        RegisterMeterWrite m => ApplyRegistration(tx, m),
        _ => throw new ArgumentOutOfRangeException(nameof(write), write.GetType().Name, "unknown ledger write"),
    };

    private LedgerOutcome ApplyReading(ILedgerTransaction tx, ReadingWrite w)
    {
        if (w.RegisterMeter && tx.GetMeter(w.Meter) is null) tx.InsertMeter(w.MeterInfo, w.ReceivedMs);
        var reading = w.Reading;
        var meterState = tx.GetMeterState(w.Meter);
        var late = UsageRules.IsLate(meterState, reading.Seq);
        var gap = !late && UsageRules.IsGap(meterState, reading.Seq);
        var readingFlag = late ? ReadingFlag.Late : gap ? ReadingFlag.SeqGap : (ReadingFlag?)null;
        // A redelivery is a duplicate and changes nothing. Only a seq at or below the newest reading
        // can be one, so the common case (the next reading) needs no lookup.
        if (reading.Seq <= meterState.LastReadingSeq && tx.ReadingExists(w.Meter, reading.Seq)) return LedgerOutcome.Duplicate;

        var flags = new List<ReadingFlag>(1);
        if (readingFlag is { } rf) flags.Add(rf);
        var hour = UsageRules.HourStartMs(reading.TsMs);
        foreach (var channel in reading.Channels)
        {
            long usage = 0;
            ReadingFlag? channelFlag = null;
            if (!late)
            {
                (usage, channelFlag) = UsageRules.ChannelDelta(tx.GetChannel(w.Meter, channel.Name), channel.Register);
                tx.SetChannel(w.Meter, channel.Name, new ChannelState(reading.Seq, channel.Register));
                if (usage > 0) tx.AddHourlyUsage(w.Meter, channel.Name, hour, usage);
                if (channelFlag is { } cf) flags.Add(cf);
            }
            var flagName = (channelFlag ?? readingFlag)?.Name();
            tx.InsertReadingChannel(w.Meter, reading, w.ReceivedMs, readingFlag?.Name(), channel, usage, flagName);
            if (writeOutbox) tx.AppendOutbox(_lines.For(w.MeterInfo, reading, channel, usage, flagName));
        }
        tx.SetMeterState(w.Meter, UsageRules.AfterReading(meterState, reading.Seq));
        if (late) tx.RecordSeen(w.Meter, w.ReceivedMs);
        return flags.Count == 0 ? LedgerOutcome.Committed : new LedgerOutcome(LedgerStatus.Committed, flags);
    }

    private static LedgerOutcome ApplyEvent(ILedgerTransaction tx, EventWrite w)
    {
        // The state first: it is derived from the committed rows, which must not yet hold this event.
        var state = tx.GetMeterState(w.Meter);
        if (!tx.TryInsertEvent(w.Meter, w.Event, w.ReceivedMs)) return LedgerOutcome.Duplicate;
        tx.SetMeterState(w.Meter, UsageRules.AfterEvent(state, w.Event.Seq));
        tx.RecordSeen(w.Meter, w.ReceivedMs);
        return LedgerOutcome.Committed;
    }

    private static LedgerOutcome ApplyStatus(ILedgerTransaction tx, StatusWrite w)
    {
        tx.UpsertStatus(w.Meter, w.Status, w.ReceivedMs);
        tx.RecordSeen(w.Meter, w.ReceivedMs);
        return LedgerOutcome.Committed;
    }

    private static LedgerOutcome ApplyAck(ILedgerTransaction tx, AckWrite w)
    {
        tx.InsertAck(w.Meter, w.Ack, w.ReceivedMs);
        tx.RecordSeen(w.Meter, w.ReceivedMs);
        return LedgerOutcome.Committed;
    }

    private static LedgerOutcome ApplyRegistration(ILedgerTransaction tx, RegisterMeterWrite w)
    {
        var existing = tx.GetMeter(w.Meter);
        if (existing is null)
        {
            tx.InsertMeter(w.MeterInfo, w.ReceivedMs);
            return LedgerOutcome.Committed;
        }
        return existing == w.MeterInfo
            ? new LedgerOutcome(LedgerStatus.AlreadyRegistered, [], existing)
            : new LedgerOutcome(LedgerStatus.Conflict, [], existing);
    }
}
