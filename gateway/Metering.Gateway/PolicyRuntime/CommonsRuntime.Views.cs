using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>ICommonsRuntime's read views: snapshots taken under the lock, never live objects.</summary>
public sealed partial class CommonsRuntime
{
    public CommunityOverview Overview()
    {
        Initialize();
        lock (_gate)
        {
            var p = _store.Current;
            var now = _time.GetUtcNow();
            var resources = _resources.OrderBy(r => r.Key).Select(r => new ResourceOverview(
                r.Key, r.Value.Policy.Period.ToString().ToLowerInvariant(), r.Value.PeriodStart, r.Value.PeriodEnd,
                p.Households.Sum(h => _used.GetValueOrDefault((h.Id, r.Key))), r.Value.Policy.CapPerPeriod,
                r.Value.Stages.Current, r.Value.Stages.Current == 0 ? "normal" : r.Value.StageReason)).ToList();
            var meters = p.Households.SelectMany(h => h.Meters.Select(m => m.Id)).Concat(p.SharedMeters.Select(m => m.Id)).ToList();
            return new CommunityOverview(p.Community, p.Version, resources, _acts.EmergencyView(now),
                _breakers.All().Count(b => b.State != BreakerState.Closed),
                meters.Count(m => _online.TryGetValue(m, out var on) && !on), meters.Count, now);
        }
    }

    public HouseholdView? Household(string householdId)
    {
        Initialize();
        lock (_gate)
        {
            var h = _store.Current.Households.FirstOrDefault(x => x.Id == householdId);
            if (h is null) return null;
            var resources = new List<HouseholdResourceView>();
            foreach (var (resource, rr) in _resources.OrderBy(r => r.Key))
            {
                if (!h.Meters.Any(m => m.Resource == resource)) continue;
                var status = rr.Status(h.Id, _used.GetValueOrDefault((h.Id, resource)));
                var sanction = Curtailment.SanctionFor(rr.Policy.Sanctions, status);
                // Rotation's minutes (RotationScheduler) and every other cause's (CurtailedTime).
                var minutes = _breakers.RotationMinutes(h.Id, resource)
                    + _curtailed.Minutes(h.Id, resource, rr.PeriodStart, _time.GetUtcNow());
                var channels = h.Meters.Where(m => m.Resource == resource)
                    .SelectMany(m => _byMeter.GetValueOrDefault(m.Id) ?? [])
                    .Select(c => new ChannelDecisionView(c.Meter.Id, c.Channel.Id, c.Channel.Use.ToString().ToLowerInvariant(),
                        (c.Decision?.Kind ?? DecisionKind.Allowed).ToString().ToLowerInvariant(), c.Decision is { } d ? Why(d, rr) : null)).ToList();
                resources.Add(new HouseholdResourceView(resource, status.Used, status.FloorAmount, status.Allowance, status.Remaining, status.UnderFloor,
                    sanction.ToString().ToLowerInvariant(), sanction == SanctionLevel.None ? null : $"{status.PercentUsed} % of the allowance used",
                    minutes, channels));
            }
            return new HouseholdView(h.Id, h.Persons, resources, h.Meters.Select(m => m.Id).ToList());
        }
    }

    public IReadOnlyList<BreakerView> Breakers()
    {
        Initialize();
        lock (_gate) return _breakers.Views();
    }

    public IReadOnlyList<CommandView> Commands(int limit)
    {
        Initialize();
        return _db.Newest(Math.Clamp(limit, 1, 10_000)).Select(ToView).ToList();
    }

    internal static CommandView ToView(CommandRecord r)
    {
        static DateTimeOffset? At(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
        return new CommandView(r.Cid, r.Meter, r.Wire.Op, r.Detail, DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedMs),
            DateTimeOffset.FromUnixTimeMilliseconds(r.Wire.ExpMs), r.Attempts, r.State.ToString().ToLowerInvariant(),
            At(r.AckedMs), r.AckError, At(r.ConfirmedMs), r.Why) { Wire = r.Wire };
    }

    /// <summary>Refused proposals listed: the latest few are what a council member needs to see.</summary>
    public const int RefusalsListed = CouncilActs.RefusalsListed;

    public IReadOnlyList<ProposalView> Proposals()
    {
        Initialize();
        lock (_gate) return _acts.Proposals();
    }

    public string? PolicyYaml()
    {
        Initialize();
        lock (_gate) return _acts.PolicyYaml();
    }

    public IReadOnlyList<AuditRecord> Audit(int limit)
    {
        Initialize();
        if (!File.Exists(_auditPath)) return [];
        var tail = new Queue<AuditRecord>();
        using var stream = new FileStream(_auditPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (!AuditRecord.TryParse(line, out var r)) continue;
            tail.Enqueue(r!);
            if (tail.Count > Math.Max(1, limit)) tail.Dequeue();
        }
        return tail.Reverse().ToList();
    }

    public AuditVerification VerifyAudit()
    {
        Initialize();
        var verified = File.Exists(_auditPath) ? AuditLog.Verify(_auditPath) : new AuditVerification(true, 0, null, null, null);
        return AuditAnchor.Check(_db, _auditPath, verified);
    }
}
