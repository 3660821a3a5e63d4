using Commons.Metering.Gateway.Web;
using Commons.Metering.Gateway.Domain;
using System.Text.Json;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Http;

/// <summary>A technician loads a registered meter's past readings from a CSV (<see cref="CsvHistory"/>):
/// every row becomes a reading with seq <c>firstSeq</c> + its place in time order, committed by the
/// ledger writer under the ledger's own rules, so sending the same file again with the same firstSeq
/// changes nothing ((meter, seq) duplicates), a register that goes down is flagged, and rows older
/// than the meter's newest reading are kept as late and count nowhere. A file with any bad row is
/// refused whole, every bad line named: nothing is half imported.</summary>
internal static class CsvImportApi
{
    /// <summary>A year of hourly rows of a few channels is ~0.5 MB; 4 MB leaves room without letting
    /// one request hold the ledger writer for long.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>Bad lines listed in a refusal: enough to fix a column mapping, not a second copy of the file.</summary>
    public const int ErrorsListed = 100;

    /// <summary>A row's time may run this far ahead of the gateway's clock (the exporting machine's clock
    /// may disagree a little); history is the past, so more than that is a wrong zone or time format.</summary>
    private static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Readings queued to the writer at a time, in order (its queue is FIFO).</summary>
    private const int Window = 256;

    public static IEndpointRouteBuilder MapCsvImportApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/meters/{meterId}/import", ImportAsync).RequireAuthorization(Access.Technician).WithTags("meters")
            .WithSummary("Imports a registered meter's past readings from CSV: {csv, timeColumn, timeFormat?, timeZone?, delimiter?, unit, channels: {channel: column}, firstSeq?}.");
        return app;
    }

    private static async Task<Results<Ok<ImportJson>, ProblemHttpResult>> ImportAsync(string meterId, HttpRequest request, MeterRegistry registry, LedgerWriter ledger, TimeProvider time,
        ILogger<LedgerWriter> logger)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, MaxBytes);
        if (problem is not null) return problem;
        if (!registry.TryGet(meterId, out var meter)) return Problems.NotFound("Unknown meter", $"No meter '{meterId}' is registered: register it first (POST /api/v1/meters).");
        if (Mapping(body, meter.Resource, out var map, out var factor, out var firstSeq) is { } bad) return Problems.Bad(bad);
        var csv = body.Str("csv");
        if (string.IsNullOrEmpty(csv)) return Problems.Bad("'csv' must hold the file's text, its first line naming the columns.");

        var (rows, errors) = CsvHistory.Parse(csv, map!, factor);
        // History is the past: a row after now (a wrong zone or format) would stand ahead of every live reading.
        var now = time.GetUtcNow();
        errors.AddRange(rows.Where(row => row.Time > now.Add(FutureTolerance))
            .Select(row => new CsvHistoryError(row.Line, $"{row.Time.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'} is in the future: check the time zone and format.")));
        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        if (errors.Count > 0)
            return Problems.Of(StatusCodes.Status400BadRequest, "Bad rows", $"{errors.Count} bad line(s); nothing was imported. Fix them and send the file again.",
                [.. errors.Take(ErrorsListed).Select(e => $"line {e.Line}: {e.Message}")]);
        if (rows.Count == 0) return Problems.Bad("The file has no rows after its header.");

        var receivedMs = now.ToUnixTimeMilliseconds();
        int committed = 0, duplicates = 0;
        var flags = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var start = 0; start < rows.Count; start += Window)
        {
            var pending = rows.Skip(start).Take(Window).Select((row, i) => ledger.SubmitAsync(new ReadingWrite(meter,
                new Reading(firstSeq + start + i, row.Time.ToUnixTimeMilliseconds(),
                    [.. row.Registers.Select(r => new ChannelRegister(r.Channel, meter.Resource, r.Register))], null), receivedMs), request.HttpContext.RequestAborted)).ToList();
            foreach (var outcome in await Task.WhenAll(pending))
            {
                if (outcome.Status == LedgerStatus.Duplicate) { duplicates++; continue; }
                committed++;
                foreach (var f in outcome.Flags) flags[f.Name()] = flags.GetValueOrDefault(f.Name()) + 1;
            }
        }
        logger.LogInformation("CSV history of meter {Meter} imported by {Actor}: {Committed} readings committed, {Duplicates} already held, seqs {First}-{Last}",
            meter.Id, request.HttpContext.User.Actor(), committed, duplicates, firstSeq, firstSeq + rows.Count - 1);
        return TypedResults.Ok(new ImportJson(
            meter.Id, rows.Count, committed, duplicates, flags, firstSeq, firstSeq + rows.Count - 1,
            rows[0].Time.ToUniversalTime(), rows[^1].Time.ToUniversalTime(), meter.Resource.Unit()));
    }

    /// <summary>Reads the mapping; returns the first problem in plain words, or null.</summary>
    private static string? Mapping(JsonElement body, Resource resource, out CsvHistoryMapping? map, out long factor, out long firstSeq)
    {
        map = null;
        factor = 0;
        firstSeq = 1;
        var unit = body.Str("unit");
        if (unit is null || CsvHistory.Factor(unit, resource) is not { } f)
            return $"'unit' must be a unit of {resource.Name()}: {string.Join(", ", CsvHistory.UnitNames.Where(u => CsvHistory.Factor(u, resource) is not null))}.";
        factor = f;
        var timeColumn = body.Str("timeColumn");
        if (string.IsNullOrWhiteSpace(timeColumn)) return "'timeColumn' must name the column holding each row's time.";
        var delimiter = body.Str("delimiter") ?? ",";
        if (delimiter.Length != 1 || delimiter == "\"") return "'delimiter' must be one character (',' or ';' or a tab), not a quote.";
        if (!body.TryGetProperty("channels", out var ch) || ch.ValueKind != JsonValueKind.Object || !ch.EnumerateObject().Any())
            return "'channels' must map each channel to its column, e.g. {\"main\": \"register_l\"}.";
        var channels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in ch.EnumerateObject())
        {
            if (!JsonFields.IsChannelName(p.Name)) return $"'{p.Name}' is not a channel name (docs/protocol.md: lower-case letters, digits and '_', up to 32, starting with a letter or digit).";
            if (p.Value.ValueKind != JsonValueKind.String) return $"channel '{p.Name}' must name a column.";
            channels[p.Name] = p.Value.GetString()!;
        }
        TimeZoneInfo? zone = null;
        TimeSpan? offset = null;
        if (body.Str("timeZone") is { } tz)
        {
            if (TimeSpan.TryParse(tz.TrimStart('+'), System.Globalization.CultureInfo.InvariantCulture, out var o) && (tz.StartsWith('+') || tz.StartsWith('-')))
                offset = o;
            else if (!TimeZoneInfo.TryFindSystemTimeZoneById(tz, out zone))
                return $"'timeZone' must be an offset such as +02:00 or a zone such as Europe/Athens, not '{tz}'.";
        }
        if (body.TryGetProperty("firstSeq", out var fs) && fs.ValueKind != JsonValueKind.Null)
        {
            if (fs.ValueKind != JsonValueKind.Number || !fs.TryGetInt64(out firstSeq) || firstSeq < 1) return "'firstSeq' must be a whole number from 1.";
        }
        map = new CsvHistoryMapping(delimiter[0], timeColumn, body.Str("timeFormat"), zone, offset, channels, unit);
        return null;
    }
}

/// <summary>What an import did: readings committed, already held (duplicates), flags raised by name, the
/// seqs it used and the time range of its rows.</summary>
internal sealed record ImportJson(
    string Meter, int Rows, int Committed, int Duplicates, Dictionary<string, int> Flags, long FirstSeq, long LastSeq,
    DateTimeOffset From, DateTimeOffset To, string Unit);
