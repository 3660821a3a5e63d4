using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>Committed writes and the clock -> stages, breakers, usage -> per-channel decisions -> commands.</summary>
public sealed partial class CommonsRuntime
{
    /// <summary>Device events that are safety trips the device already acted on locally.</summary>
    private static readonly Dictionary<string, SafetyReason> DeviceTrips = new(StringComparer.Ordinal)
    {
        ["leak"] = SafetyReason.Leak, ["burst"] = SafetyReason.Burst, ["overcurrent"] = SafetyReason.Overcurrent, ["tamper"] = SafetyReason.Tamper,
    };

    private void Handle(Committed c)
    {
        switch (c.Write)
        {
            case ReadingWrite r:
                // Heard from a meter not known to be online: it is connected now, so what it has not
                // acknowledged goes out again at once. The case that needs it: with Registry:AutoRegister a
                // new device's "online" status comes before the reading that registers it and is refused
                // (unknown meter), and the commands pushed at start waited out their 30 s backoff. Not while
                // the broker takes nothing: a send that fails counts as an attempt and lengthens the backoff.
                if (!_online.GetValueOrDefault(r.Meter))
                {
                    _online[r.Meter] = true;
                    if (_publisher.CanPublish) _commands.DeviceOnline(r.Meter);
                }
                OnReading(r.Meter, r.Reading, c.CommittedTimestamp, c.Outcome ?? LedgerOutcome.Committed);
                break;
            case HeldDecisionWrite h when c.Outcome?.Accepted is { } accepted: OnHeldAccepted(h, accepted, c.CommittedTimestamp); break;
            case AckWrite a: _commands.Acked(a.Meter, a.Ack); break;
            case GaugeWrite g: OnGauge(g, c.CommittedTimestamp); break;
            case StatusWrite s:
                _online[s.Meter] = s.Status.State == "online";
                if (s.Status.State == "online") _commands.DeviceOnline(s.Meter);
                break;
            case EventWrite e when e.Event.Channel is { } ch && DeviceTrips.TryGetValue(e.Event.Kind, out var reason)
                && _channels.TryGetValue(e.Meter + "/" + ch, out var cr) && cr.Safety is { } safety:
                safety.Breaker.Trip($"device reported {e.Event.Kind}" + (e.Event.Detail is { } d ? $" ({d})" : ""), reason, requiresTechnician: true, actor: "device:" + e.Meter);
                Evaluate(cr.Household, cr.Resource, c.CommittedTimestamp);
                break;
        }
    }

    /// <summary>Only what the ledger counted reaches the policy: a channel the ledger did not count
    /// (late, seq_jump, ts_behind, or held as implausible_rate: Ledger/Plausibility.cs) moves no
    /// register, no usage, no zone or community load, no stage and no safety detector, so one forged
    /// reading decides nothing for anyone; a confirmed jump moves the baseline as the ledger's did.</summary>
    private void OnReading(string meter, Reading reading, long cause, LedgerOutcome outcome)
    {
        if (_shared.TryGetValue(meter, out var shared) && _resources.TryGetValue(shared.Resource, out var rr))
        {
            foreach (var ch in reading.Channels)
            {
                if (outcome.Uncounted.Contains(ch.Name)) continue;
                var before = rr.Stages.Current;
                if (rr.Stages.Observe(meter, ch.Name, ch.Register) != before)
                {
                    rr.StageReason = $"{meter}/{ch.Name} = {ch.Register}";
                    StageChanged(shared.Resource, rr, cause);
                }
            }
            return;
        }
        if (!_byMeter.TryGetValue(meter, out var channels)) return;
        var at = DateTimeOffset.FromUnixTimeMilliseconds(reading.TsMs);
        foreach (var ch in reading.Channels)
        {
            if (channels.Find(c => c.Channel.Id == ch.Name) is not { } cr) continue;
            if (outcome.Uncounted.Contains(ch.Name)) continue;
            if (reading.TsMs <= cr.LastTsMs) continue; // late: the ledger counted it as zero usage too
            if (outcome.Rebased.TryGetValue(ch.Name, out var confirmed)) cr.LastRegister = confirmed;
            // The ledger's rule (a register below the baseline counts zero and becomes the new one).
            var delta = UsageRules.ChannelDelta(cr.LastRegister is { } last ? new ChannelState(0, last) : null, ch.Register).UsageBase;
            var fromMs = cr.LastTsMs;
            (cr.LastRegister, cr.LastTsMs) = (ch.Register, reading.TsMs);
            _resources.TryGetValue(cr.Resource, out var r);
            if (delta > 0 && r is not null && at >= r.PeriodStart && at < r.PeriodEnd)
                _used[(cr.Household.Id, cr.Resource)] = _used.GetValueOrDefault((cr.Household.Id, cr.Resource)) + delta;
            if (delta > 0) _breakers.AddUse(cr, r, fromMs, reading.TsMs, delta);
            _commands.Reading(meter, ch.Name, ch.Register);
            cr.Safety?.Observe(at, ch.Register);
        }
        var first = channels[0];
        Evaluate(first.Household, first.Resource, cause);
    }

    /// <summary>Decides every channel of one household for one resource and commands what changed.</summary>
    private void Evaluate(Household h, Resource resource, long? cause = null)
    {
        if (!_resources.TryGetValue(resource, out var rr)) return;
        var status = rr.Status(h.Id, _used.GetValueOrDefault((h.Id, resource)));
        var shed = _breakers.IsShed(h.Id, resource);
        var now = _time.GetUtcNow();
        foreach (var m in h.Meters)
        {
            if (m.Resource != resource || !_byMeter.TryGetValue(m.Id, out var channels)) continue;
            foreach (var cr in channels)
            {
                var d = Curtailment.Decide(rr.Policy, _store.Current.UtcOffset,
                    new ChannelContext(cr.Channel.Use, rr.Stages.Current, status, now, shed, cr.Safety?.Trip, rr.BreakerCut ? rr.Policy.Breaker!.Curtails : null));
                var before = cr.Decision;
                cr.Decision = d;
                if (cr.Actuator is not { } op) continue;
                // Same decision, command not expired: nothing to do (the hot path of every reading).
                if (d == before && _commands.Latest(cr.ActuatorKey!)?.State != CommandState.Expired) continue;
                _commands.Desire(m.Id, cr.ActuatorKey!, new Command("", 0, op, cr.Channel.Id, State: cr.ActuatorValue(d.IsCut)),
                    d.IsCut, Why(d, rr), cr.ActuatorValue(false), cause);
            }
        }
        var cut = h.Meters.Where(m => m.Resource == resource).SelectMany(m => _byMeter.GetValueOrDefault(m.Id) ?? []).Any(c => CurtailedTime.Counts(c.Decision));
        _curtailed.Observe(h.Id, resource, cut, now, rr.PeriodStart);
    }

    internal static string Why(ChannelDecision d, ResourceRuntime rr) => d.Kind switch
    {
        DecisionKind.Tripped => $"safety trip: {d.Safety.ToString()!.ToLowerInvariant()}",
        DecisionKind.Curtailed when d.Reason == CurtailReason.Stage => $"curtailed: stage {rr.Stages.Current} ({rr.StageReason})",
        DecisionKind.Curtailed when d.Reason == CurtailReason.Breaker => BreakerBoard.BreakerWhy(rr),
        DecisionKind.Curtailed => "curtailed: " + d.Reason.ToString().ToLowerInvariant(),
        _ => d.Protected ? "allowed: basic need protected" : "allowed",
    };

    private void StageChanged(Resource resource, ResourceRuntime rr, long? cause)
    {
        SaveStage(resource, rr);
        foreach (var h in _store.Current.Households)
        {
            Evaluate(h, resource, cause);
            foreach (var m in h.Meters.Where(m => m.Resource == resource)) PushStage(m, rr, cause);
        }
    }

    /// <summary>Time-based work: period rollover, emergencies, proposals falling due, rotation slots.</summary>
    private void Tick()
    {
        var now = _time.GetUtcNow();
        foreach (var (resource, r) in _resources)
        {
            if (now < r.PeriodEnd) continue;
            SetPeriod(r, now);
            LoadUsage(resource);
            foreach (var h in _store.Current.Households)
            {
                Evaluate(h, resource);
                foreach (var m in h.Meters.Where(m => m.Resource == resource)) PushAllowances(h, m, r);
            }
        }
        TickEmergency();
        var pending = _acts.PendingIds();
        if (pending.Count > 0 && _acts.ActivateDue()) PolicyActivated(pending);
        _breakers.NextSlots(now, (h, resource) => Evaluate(_store.Current.Household(h), resource));
        foreach (var resource in _breakers.Tick(now))
            foreach (var h in _store.Current.Households) Evaluate(h, resource);
        TickGauges(now);
    }

    private void TickEmergency()
    {
        if (_acts.TakeEmergencyChange(out var active))
        {
            // OpenADR SIMPLE level 3 = emergency: an emergency holds every resource at stage 3 at least.
            foreach (var (resource, rr) in _resources)
            {
                var before = rr.Stages.Current;
                rr.StageReason = active is null ? "emergency ended" : "emergency: " + active.Reason;
                if (rr.Stages.Declare(Math.Max(active is null ? 0 : 3, _regional.StageOf(resource)), rr.StageReason) != before) StageChanged(resource, rr, null);
                else SaveStage(resource, rr);
            }
        }
        _acts.RefuseOrphanedRenewals();
    }
}
