using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Commons.Metering.Cli;

/// <summary><c>metering influx rebuild</c>: asks the gateway to queue the ledger's readings of a time
/// range for InfluxDB again (POST /api/v1/influx/rebuild; gateway/Metering.Gateway/Sinks/Sqlite/LedgerReplay.cs).
/// Idempotent; live readings keep flowing meanwhile. Needs a technician's token once the gateway has
/// accounts (METERING_API_TOKEN).</summary>
internal static class InfluxCommand
{
    public static Command Create()
    {
        var gateway = new Option<string>("--gateway") { Description = "The gateway's HTTP address", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var from = new Option<string>("--from") { Description = "Start of the device-time range (ISO 8601, e.g. 2026-01-01T00:00:00Z)", Required = true };
        var to = new Option<string>("--to") { Description = "End of the range, exclusive (default: now)" };
        var rebuild = new Command("rebuild", "Fills InfluxDB (emptied, or a new one) from the ledger for a time range, through the gateway's own sink; " +
            "safe to repeat, and live readings keep flowing.") { gateway, from, to };
        rebuild.SetAction(async (r, cancel) =>
        {
            if (!Uri.TryCreate(r.GetValue(gateway), UriKind.Absolute, out var baseUrl)) return ProvisionCommand.Fail(ExitCodes.Usage, "--gateway must be an http(s) address");
            var toText = r.GetValue(to) ?? DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromHours(1) };
            if (Environment.GetEnvironmentVariable(GatewayClient.TokenVariable) is { Length: > 0 } token)
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            try
            {
                using var response = await http.PostAsync(
                    $"api/v1/influx/rebuild?from={Uri.EscapeDataString(r.GetValue(from)!)}&to={Uri.EscapeDataString(toText)}", null, cancel);
                var body = await response.Content.ReadAsStringAsync(cancel);
                if (!response.IsSuccessStatusCode)
                {
                    var detail = TryField(body, "detail") ?? body;
                    var hint = response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden
                        ? $" (set {GatewayClient.TokenVariable} to a technician's API token)" : "";
                    return ProvisionCommand.Fail(ExitCodes.GatewayError, $"{(int)response.StatusCode} {response.ReasonPhrase}: {detail}{hint}");
                }
                Console.WriteLine($"{TryField(body, "lines")} readings queued for InfluxDB ({TryField(body, "from")} to {TryField(body, "to")}); " +
                                  "the gateway's sink delivers them behind the live ones: watch metering_sink_outbox_rows on /metrics fall to 0");
                return ExitCodes.Ok;
            }
            catch (HttpRequestException e)
            {
                return ProvisionCommand.Fail(ExitCodes.GatewayError, $"cannot reach the gateway at {baseUrl}: {e.Message}");
            }
        });
        return new Command("influx", "The InfluxDB copy of the ledger") { rebuild };
    }

    private static string? TryField(string json, string name)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty(name, out var v) ? v.ToString() : null;
        }
        catch (JsonException) { return null; }
    }
}
