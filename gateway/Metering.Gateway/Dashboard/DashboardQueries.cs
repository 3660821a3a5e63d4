using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>What the dashboard reads from the ledger itself: device status, a household's history
/// from the hourly usage buckets, and the metering-only overview when no policy is configured.</summary>
internal sealed class DashboardQueries(IStateStore store, PolicyStore policy, TimeProvider time)
{
    /// <summary>Hours and days of history the household page draws.</summary>
    public const int HistoryHours = 24;
    public const int HistoryDays = 14;

    /// <summary>Every device (or only those listed), offline ones first, then by id.</summary>
    public IReadOnlyList<DeviceRow> Devices(IReadOnlyCollection<string>? only) =>
        store.ListMeters()
            .Where(m => only is null || only.Contains(m.Meter.Id))
            .Select(Row)
            .OrderBy(d => d.Online)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();

    /// <summary>Offline and total devices, counted exactly as the devices page counts them.</summary>
    public (int Offline, int Total) DeviceCounts()
    {
        var rows = Devices(null);
        return (rows.Count(d => !d.Online), rows.Count);
    }

    /// <summary>Last seen is the newest of the last reading and the last status: a device's start-up
    /// status is minutes old while its readings arrive every few seconds. Whichever came last says
    /// whether it is online: a reading after an "offline" last will means it is back, an "offline"
    /// after the last reading means it is gone. A device that never sent a status is online once
    /// its readings arrive.</summary>
    internal static DeviceRow Row(MeterView m)
    {
        var status = m.Status;
        var readingIsNewer = m.LastSeenMs is { } seen && (status is null || seen > status.ReceivedMs);
        var online = status?.State == "online" || readingIsNewer;
        var lastSeen = Math.Max(m.LastSeenMs ?? long.MinValue, status?.ReceivedMs ?? long.MinValue);
        return new DeviceRow(m.Meter.Id, m.Meter.Community, m.Meter.Resource.Name(), online,
            online ? "online" : status?.State ?? "never seen", lastSeen == long.MinValue ? null : Time(lastSeen),
            status?.Firmware, status?.Outbox, status?.BatteryMv, status?.Boot);
    }

    public IReadOnlyDictionary<Resource, History> History(string householdId)
    {
        var result = new Dictionary<Resource, History>();
        if (!policy.HasPolicy) return result;
        var p = policy.Current;
        var household = p.Households.FirstOrDefault(h => h.Id == householdId);
        if (household is null) return result;
        var now = time.GetUtcNow();
        var thisHour = UsageRules.HourStartMs(now.ToUnixTimeMilliseconds());
        var localMidnight = new DateTimeOffset(now.ToOffset(p.UtcOffset).Date, p.UtcOffset);
        foreach (var resource in household.Meters.Select(m => m.Resource).Distinct())
        {
            var hourly = Enumerable.Range(0, HistoryHours).Reverse()
                .Select(i => DateTimeOffset.FromUnixTimeMilliseconds(thisHour).AddHours(-i))
                .Select(start => new Bucket(start, PolicyApiUsage(household, resource, start, start.AddHours(1)))).ToList();
            var daily = Enumerable.Range(0, HistoryDays).Reverse()
                .Select(i => localMidnight.AddDays(-i))
                .Select(start => new Bucket(start, PolicyApiUsage(household, resource, start, start.AddDays(1)))).ToList();
            result[resource] = new History(resource.Unit(), hourly, daily);
        }
        return result;
    }

    /// <summary>No policy: per resource, what every meter used since midnight UTC, and the devices.</summary>
    public MeteringOverviewJson MeteringOverview()
    {
        var meters = store.ListMeters();
        var now = time.GetUtcNow();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var resources = meters.GroupBy(m => m.Meter.Resource).OrderBy(g => g.Key).Select(g => new MeteringResourceJson(
            g.Key.Name(),
            g.Key.Unit(),
            Period: "day",
            PeriodStart: midnight,
            PeriodEnd: midnight.AddDays(1),
            Used: g.Sum(m => store.Usage(m.Meter.Id, midnight.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds() + 1).Sum(c => c.Usage)),
            Meters: g.Count()));
        return new MeteringOverviewJson(
            HasPolicy: false,
            Community: meters.Select(m => m.Meter.Community).FirstOrDefault(),
            At: now,
            resources,
            DevicesTotal: meters.Count,
            DevicesOffline: meters.Select(Row).Count(d => !d.Online));
    }

    private long PolicyApiUsage(Household household, Resource resource, DateTimeOffset from, DateTimeOffset to) =>
        HouseholdUsage.UsedInPeriod(household, resource, store, from, to);

    private static DateTimeOffset? Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
}
