using Commons.Metering.Gateway.Domain;
using System.Globalization;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>Use of one resource over a range of community-local days, in buckets (hours for up to 2
/// days, days up to 92, months beyond), each with the use so far in its policy period, against the
/// allowance (a household) or the sustainable cap (the community) of that period; and the same range
/// one or more whole periods earlier, for comparison. Read from the ledger's hour buckets of the
/// channels the policy lists, so the figures add up to what the allowance counts.</summary>
internal sealed class UsageSeries(IStateStore store, TimeProvider time)
{
    /// <summary>Longest range, in days: a year of day buckets and a leap day, so "this year" fits.</summary>
    public const int MaxDays = 400;
    private const int HourBucketsUpToDays = 2;
    private const int DayBucketsUpToDays = 92;

    /// <summary>Parses the range (yyyy-MM-dd, both days included); missing ends default to the
    /// current period of <paramref name="period"/>. False, with <paramref name="error"/> in plain words, when bad.</summary>
    public bool TryRange(string? from, string? to, PolicyPeriod period, TimeSpan offset, out DateTimeOffset start, out DateTimeOffset end, out string? error)
    {
        var now = time.GetUtcNow();
        start = PolicyPeriods.StartOf(period, now, offset);
        end = PolicyPeriods.EndOf(period, now, offset);
        error = null;
        if (from is not null && !TryDay(from, offset, out start)) { error = $"'from' must be a date as yyyy-MM-dd, not '{from}'."; return false; }
        if (to is not null)
        {
            if (!TryDay(to, offset, out var last)) { error = $"'to' must be a date as yyyy-MM-dd, not '{to}'."; return false; }
            end = last.AddDays(1);
        }
        else if (from is not null) end = start.AddDays(1);
        if (end <= start) { error = "'to' must be the same day as 'from' or later."; return false; }
        if ((end - start).TotalDays > MaxDays) { error = $"A range may span at most {MaxDays} days."; return false; }
        return true;
    }

    /// <summary>The series of the channels <paramref name="meters"/> names, for [start, end).</summary>
    public UsageSeriesJson Build(Resource resource, PolicyPeriod period, TimeSpan offset, IReadOnlyList<Meter> meters, long limitPerPeriod,
        string limitKind, DateTimeOffset start, DateTimeOffset end)
    {
        var bucket = (end - start).TotalDays <= HourBucketsUpToDays ? "hour" : (end - start).TotalDays <= DayBucketsUpToDays ? "day" : "month";
        var periods = PeriodsSpanned(period, offset, start, end);
        var previousStart = Shift(period, start, -periods);
        var previousEnd = Shift(period, end, -periods);
        var current = Buckets(resource, period, offset, meters, bucket, start, end);
        var previous = Buckets(resource, period, offset, meters, bucket, previousStart, previousEnd);
        return new UsageSeriesJson(
            resource.Name(),
            resource.Unit(),
            period.ToString().ToLowerInvariant(),
            limitKind,
            Limit: limitPerPeriod,
            bucket,
            UtcOffset: Offset(offset),
            From: Day(start),
            To: Day(end.AddDays(-1)),
            Total: current.Sum(b => b.Used),
            Buckets: current.Select(b => new SeriesBucketJson(b.Start, b.Used, b.InPeriod)),
            Previous: new PreviousSeriesJson(
                Day(previousStart),
                Day(previousEnd.AddDays(-1)),
                previous.Sum(b => b.Used),
                previous.Select(b => new SeriesBucketJson(b.Start, b.Used, b.InPeriod))));
    }

    private sealed record SeriesBucket(DateTimeOffset Start, long Used, long InPeriod);

    private List<SeriesBucket> Buckets(Resource resource, PolicyPeriod period, TimeSpan offset, IReadOnlyList<Meter> meters, string bucket,
        DateTimeOffset start, DateTimeOffset end)
    {
        // One query per meter for the whole range, then summed into buckets: hour buckets are UTC hours,
        // so with an offset that is not a whole hour the bucket straddling a boundary counts after it
        // (the same rule as the allowance, PolicyApi.UsedInPeriod).
        var hours = new Dictionary<long, long>();
        var fromHourMs = UsageRules.HourStartMs(start.ToUnixTimeMilliseconds());
        foreach (var meter in meters.Where(m => m.Resource == resource))
        {
            var channels = meter.Channels.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var h in store.HourlyUsage(meter.Id, fromHourMs, end.ToUnixTimeMilliseconds()).Where(h => channels.Contains(h.Channel)))
                hours[h.HourStartMs] = hours.GetValueOrDefault(h.HourStartMs) + h.Usage;
        }
        var result = new List<SeriesBucket>();
        long inPeriod = 0;
        DateTimeOffset? periodStart = null;
        for (var b = start; b < end; b = Next(bucket, b))
        {
            var next = Next(bucket, b) < end ? Next(bucket, b) : end;
            var bFromMs = UsageRules.HourStartMs(b.ToUnixTimeMilliseconds());
            var used = hours.Where(kv => kv.Key >= bFromMs && kv.Key < next.ToUnixTimeMilliseconds()).Sum(kv => kv.Value);
            var ps = PolicyPeriods.StartOf(period, b, offset);
            if (ps != periodStart) { periodStart = ps; inPeriod = 0; }
            inPeriod += used;
            result.Add(new SeriesBucket(b, used, inPeriod));
        }
        return result;
    }

    private static DateTimeOffset Next(string bucket, DateTimeOffset b) => bucket switch
    {
        "hour" => b.AddHours(1),
        "day" => b.AddDays(1),
        _ => new DateTimeOffset(b.Year, b.Month, 1, 0, 0, 0, b.Offset).AddMonths(1),
    };

    /// <summary>How many periods the range touches: the comparison range lies that many periods earlier,
    /// so "this month" compares with last month and 14 days of a daily allowance with the 14 before.</summary>
    private static int PeriodsSpanned(PolicyPeriod period, TimeSpan offset, DateTimeOffset start, DateTimeOffset end)
    {
        var n = 0;
        for (var p = PolicyPeriods.StartOf(period, start, offset); p < end; p = PolicyPeriods.EndOf(period, p, offset)) n++;
        return Math.Max(n, 1);
    }

    private static DateTimeOffset Shift(PolicyPeriod period, DateTimeOffset t, int periods) => period switch
    {
        PolicyPeriod.Day => t.AddDays(periods),
        PolicyPeriod.Week => t.AddDays(7 * periods),
        PolicyPeriod.Month => t.AddMonths(periods),
        PolicyPeriod.Season => t.AddMonths(3 * periods),
        _ => t.AddYears(periods),
    };

    private static bool TryDay(string text, TimeSpan offset, out DateTimeOffset day)
    {
        day = default;
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return false;
        day = new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), offset);
        return true;
    }

    internal static string Day(DateTimeOffset t) => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static string Offset(TimeSpan o) =>
        (o < TimeSpan.Zero ? "-" : "+") + o.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}
