using Commons.Metering.Gateway.Web;
using Commons.Metering.Gateway.Domain;
using System.Globalization;
using System.Text;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Dashboard;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>CSV for a spreadsheet or a council report, straight from the ledger: integers in the base
/// unit named on every row (mL, Wh, g: exact, nothing rounded), every time both in UTC and in the
/// community's local time with its offset. A household's readings or hourly use for its own member;
/// the community's daily use per resource (every household summed, none apart) for the council and
/// operations.</summary>
internal static class CsvExportApi
{
    public static IEndpointRouteBuilder MapCsvExportApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("commons");
        api.MapGet("/households/{id}/export.csv", Results<ContentHttpResult, ProblemHttpResult> (string id, string? what, string? from, string? to, HttpContext http, PolicyStore store, UsageSeries series, IStateStore ledger) =>
        {
            if (!Access.MayReadHousehold(http, id)) return AccessProblems.Forbidden(http);
            if (!store.HasPolicy) return Problems.NoPolicy();
            var policy = store.Current;
            var household = policy.Households.FirstOrDefault(h => h.Id == id);
            if (household is null) return Problems.NotFound("Unknown household", $"The policy has no household '{id}'.");
            if (what is not (null or "usage" or "readings")) return Problems.Bad($"'what' must be usage (hourly use, the default) or readings, not '{what}'.");
            if (!series.TryRange(from, to, PolicyPeriod.Month, policy.UtcOffset, out var start, out var end, out var error)) return Problems.Bad(error!);
            var csv = what == "readings" ? Readings(household, policy.UtcOffset, ledger, start, end) : HourlyUse(household, policy.UtcOffset, ledger, start, end);
            return File(http, csv, $"{household.Id}-{what ?? "usage"}-{UsageSeries.Day(start)}-{UsageSeries.Day(end.AddDays(-1))}.csv");
        }).Produces<string>(StatusCodes.Status200OK, CsvType).RequireAuthorization(Access.SignedIn)
            .WithSummary("A household's hourly use (what=usage) or stored readings (what=readings) from..to (yyyy-MM-dd, community days, default this month) as CSV; its own member only.");
        api.MapGet("/community/export.csv", Results<ContentHttpResult, ProblemHttpResult> (string? from, string? to, HttpContext http, PolicyStore store, UsageSeries series, IStateStore ledger) =>
        {
            if (!store.HasPolicy) return Problems.NoPolicy();
            var policy = store.Current;
            if (!series.TryRange(from, to, PolicyPeriod.Month, policy.UtcOffset, out var start, out var end, out var error)) return Problems.Bad(error!);
            return File(http, CommunityDaily(policy, ledger, start, end), $"{policy.Community}-daily-{UsageSeries.Day(start)}-{UsageSeries.Day(end.AddDays(-1))}.csv");
        }).Produces<string>(StatusCodes.Status200OK, CsvType).RequireAuthorization(Access.Operations)
            .WithSummary("The community's use per resource and community day from..to as CSV, against the cap of its period (council, technicians, administrators).");
        return app;
    }

    private const string CsvType = "text/csv";

    private static ContentHttpResult File(HttpContext http, string csv, string name)
    {
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        return TypedResults.Text(csv, CsvType + "; charset=utf-8");
    }

    private static string HourlyUse(Household household, TimeSpan offset, IStateStore ledger, DateTimeOffset start, DateTimeOffset end)
    {
        var csv = new StringBuilder("hour_start_utc,hour_start_local,meter,channel,resource,unit,used\n");
        foreach (var meter in household.Meters)
        {
            var channels = meter.Channels.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var h in ledger.HourlyUsage(meter.Id, UsageRules.HourStartMs(start.ToUnixTimeMilliseconds()), end.ToUnixTimeMilliseconds()).Where(h => channels.Contains(h.Channel)))
                csv.Append(Utc(h.HourStartMs)).Append(',').Append(Local(h.HourStartMs, offset)).Append(',').Append(meter.Id).Append(',').Append(h.Channel)
                    .Append(',').Append(meter.Resource.Name()).Append(',').Append(meter.Resource.Unit()).Append(',').Append(Num(h.Usage)).Append('\n');
        }
        return csv.ToString();
    }

    private static string Readings(Household household, TimeSpan offset, IStateStore ledger, DateTimeOffset start, DateTimeOffset end)
    {
        var csv = new StringBuilder("meter,seq,channel,device_time_utc,device_time_local,received_utc,register,usage,unit,flag\n");
        foreach (var meter in household.Meters)
        {
            var channels = meter.Channels.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var r in ledger.Readings(meter.Id, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds()).Where(r => channels.Contains(r.Channel)))
                csv.Append(meter.Id).Append(',').Append(Num(r.Seq)).Append(',').Append(r.Channel).Append(',').Append(Utc(r.TsMs)).Append(',').Append(Local(r.TsMs, offset))
                    .Append(',').Append(Utc(r.ReceivedMs)).Append(',').Append(Num(r.Register)).Append(',').Append(Num(r.Usage)).Append(',').Append(r.Unit)
                    .Append(',').Append(string.Join(' ', new[] { r.ReadingFlag, r.Flag }.Where(f => f is not null))).Append('\n');
        }
        return csv.ToString();
    }

    private static string CommunityDaily(CommunityPolicy policy, IStateStore ledger, DateTimeOffset start, DateTimeOffset end)
    {
        var csv = new StringBuilder("day_local,day_start_utc,resource,unit,used,period,limit_per_period\n");
        foreach (var (resource, rp) in policy.Resources.OrderBy(r => r.Key))
        {
            var byHour = new Dictionary<long, long>();
            foreach (var meter in policy.Households.SelectMany(h => h.Meters).Where(m => m.Resource == resource))
            {
                var channels = meter.Channels.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
                foreach (var h in ledger.HourlyUsage(meter.Id, UsageRules.HourStartMs(start.ToUnixTimeMilliseconds()), end.ToUnixTimeMilliseconds()).Where(h => channels.Contains(h.Channel)))
                    byHour[h.HourStartMs] = byHour.GetValueOrDefault(h.HourStartMs) + h.Usage;
            }
            for (var day = start; day < end; day = day.AddDays(1))
            {
                long fromMs = UsageRules.HourStartMs(day.ToUnixTimeMilliseconds()), toMs = day.AddDays(1).ToUnixTimeMilliseconds();
                var used = byHour.Where(kv => kv.Key >= fromMs && kv.Key < toMs).Sum(kv => kv.Value);
                csv.Append(UsageSeries.Day(day)).Append(',').Append(Utc(day.ToUnixTimeMilliseconds())).Append(',').Append(resource.Name()).Append(',').Append(resource.Unit())
                    .Append(',').Append(Num(used)).Append(',').Append(rp.Period.ToString().ToLowerInvariant()).Append(',').Append(Num(rp.CapPerPeriod)).Append('\n');
            }
        }
        return csv.ToString();
    }

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Utc(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Local(long ms, TimeSpan offset) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
