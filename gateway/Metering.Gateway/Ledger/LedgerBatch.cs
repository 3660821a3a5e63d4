using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>Applies the writes of one group-commit batch inside one transaction, in queue order.
/// For a reading: one row per channel (PRIMARY KEY (meter, seq, channel); a redelivery is a
/// duplicate and changes nothing), per-channel state, hourly usage and the sink outbox rows, all in
/// the same transaction, so a crash at any instant loses nothing and counts nothing twice. The outbox
/// rows are the sinks' (<see cref="ISinkRows"/>); without a sink there are none.</summary>
internal sealed partial class LedgerBatch(ISinkRows? sinkRows, IMeterHouseholds? households = null)
{
    public LedgerOutcome Apply(ILedgerTransaction tx, LedgerWrite write) => write switch
    {
        ReadingWrite r => ApplyReading(tx, r),
        EventWrite e => ApplyEvent(tx, e),
        StatusWrite s => ApplyStatus(tx, s),
        AckWrite a => ApplyAck(tx, a),
        GaugeWrite g => ApplyGauge(tx, g),
        HeldDecisionWrite h => ApplyHeldDecision(tx, h),
        RegisterMeterWrite m => ApplyRegistration(tx, m),
        _ => throw new ArgumentOutOfRangeException(nameof(write), write.GetType().Name, "unknown ledger write"),
    };

    private LedgerOutcome ApplyReading(ILedgerTransaction tx, ReadingWrite w)
    {
        if (w.RegisterMeter && tx.GetMeter(w.Meter) is null) tx.InsertMeter(w.MeterInfo, w.ReceivedMs);
        var reading = w.Reading;
        var meterState = tx.GetMeterState(w.Meter);
        var readingFlag = UsageRules.ReadingFlagOf(meterState, reading);
        // A redelivery is a duplicate and changes nothing. Only a seq at or below the newest reading
        // (or a seq_jump one, which never moves it) can be one, so the common case needs no lookup.
        if ((reading.Seq <= meterState.LastReadingSeq || readingFlag == ReadingFlag.SeqJump) && tx.ReadingExists(w.Meter, reading.Seq))
            return LedgerOutcome.Duplicate;
        // late, seq_jump and ts_behind readings are kept, counted nowhere, and move no baseline.
        var counted = readingFlag is null or ReadingFlag.SeqGap;

        var flags = new List<ReadingFlag>(1);
        if (readingFlag is { } rf) flags.Add(rf);
        var uncounted = counted ? new List<string>() : reading.Channels.Select(c => c.Name).ToList();
        Dictionary<string, long>? rebased = null;
        var hour = UsageRules.HourStartMs(reading.TsMs);
        foreach (var channel in reading.Channels)
        {
            long usage = 0;
            ReadingFlag? channelFlag = null;
            if (counted)
            {
                var prior = tx.GetChannel(w.Meter, channel.Name);
                (usage, channelFlag) = prior is null && tx.ChannelCount(w.Meter) >= UsageRules.MaxChannelsPerMeter
                    ? (0, ReadingFlag.ChannelLimit)
                    : UsageRules.ChannelDelta(prior, channel.Register);
                if (channelFlag is null && prior is { } p && !Plausibility.IsPlausible(w.MeterInfo.Resource, usage, reading.TsMs - p.LastTsMs))
                    (usage, channelFlag) = Implausible(tx, w, channel, p, ref rebased);
                if (channelFlag is ReadingFlag.ImplausibleRate or ReadingFlag.ChannelLimit) uncounted.Add(channel.Name);
                else
                {
                    tx.SetChannel(w.Meter, channel.Name, new ChannelState(reading.Seq, channel.Register, reading.TsMs));
                    if (usage > 0) tx.AddHourlyUsage(w.Meter, channel.Name, hour, usage);
                }
                if (channelFlag is { } cf) flags.Add(cf);
            }
            var flagName = (channelFlag ?? readingFlag)?.Name();
            tx.InsertReadingChannel(w.Meter, reading, w.ReceivedMs, readingFlag?.Name(), channel, usage, flagName);
            if (sinkRows?.Reading(w.MeterInfo, reading, channel, usage, flagName, households?.HouseholdOf(w.Meter)) is { } row) tx.AppendOutbox(row);
        }
        if (readingFlag == ReadingFlag.SeqJump) tx.RecordSeen(w.Meter, w.ReceivedMs);
        else tx.SetMeterState(w.Meter, counted ? UsageRules.AfterReading(meterState, reading.Seq, reading.TsMs) : UsageRules.AfterReading(meterState, reading.Seq));
        if (!counted) tx.RecordSeen(w.Meter, w.ReceivedMs);
        if (flags.Count == 0 && rebased is null) return LedgerOutcome.Committed;
        return new LedgerOutcome(LedgerStatus.Committed, flags)
        {
            Uncounted = uncounted,
            Rebased = rebased ?? (IReadOnlyDictionary<string, long>)new Dictionary<string, long>(),
        };
    }

    /// <summary>A register rise faster than possible since the baseline: held (implausible_rate, zero
    /// usage, baseline unchanged), unless it continues an earlier held reading of the channel at a
    /// possible rate. Then the held register is confirmed as a discontinuity (a swapped or reflashed
    /// meter): usage counts from it, the jump to it counts zero (implausible_confirmed).</summary>
    private static (long Usage, ReadingFlag Flag) Implausible(ILedgerTransaction tx, ReadingWrite w, ChannelRegister channel, ChannelState baseline,
        ref Dictionary<string, long>? rebased)
    {
        var ts = w.Reading.TsMs;
        if (tx.LatestHeld(w.Meter, channel.Name, baseline.LastSeq) is { } held && ts > held.LastTsMs && channel.Register >= held.LastRegister
            && Plausibility.IsPlausible(w.MeterInfo.Resource, channel.Register - held.LastRegister, ts - held.LastTsMs))
        {
            (rebased ??= new Dictionary<string, long>(StringComparer.Ordinal))[channel.Name] = held.LastRegister;
            return (channel.Register - held.LastRegister, ReadingFlag.ImplausibleConfirmed);
        }
        return (0, ReadingFlag.ImplausibleRate);
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
