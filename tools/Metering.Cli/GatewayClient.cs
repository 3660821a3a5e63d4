using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Commons.Metering.Cli;

/// <summary>The gateway's HTTP API as the command line uses it (gateway/Metering.Gateway/README.md, "HTTP").</summary>
internal sealed class GatewayClient : IDisposable
{
    /// <summary>A technician's API token (`metering token --name NAME` creates one). Needed once the
    /// gateway has accounts; taken from the environment so it never shows in a shell history.</summary>
    public const string TokenVariable = "METERING_API_TOKEN";

    /// <summary>An ordinary request (meters, registration) that takes longer than this is a gateway problem.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;

    public GatewayClient(Uri baseUrl)
    {
        // Each call bounds itself (RequestTimeout, or a ping's own wait plus RequestTimeout).
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
        if (Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token)
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    internal sealed record MeterChannel(string Name, long? LastSeq, long Register);

    internal sealed record MeterStatus(string State, string? LastSeen);

    internal sealed record MeterView(string Id, string Community, string Resource, string Unit, long? LastSeq, IReadOnlyList<MeterChannel> Channels,
        string? LastSeen = null, MeterStatus? Status = null);

    /// <summary>The answer of POST /api/v1/meters/{id}/ping: <see cref="Outcome"/> acked, refused
    /// (with the device's <see cref="Error"/>) or timeout; <see cref="Problem"/> for any other answer.</summary>
    internal sealed record PingAnswer(HttpStatusCode Status, string? Outcome, string? Cid, string? Error, long? RoundTripMs, int? Attempts, string? Problem);

    /// <summary>POST /api/v1/meters: null on success (201 new, 200 already the same), else the reason.</summary>
    public async Task<string?> RegisterAsync(string id, string community, string resource, CancellationToken cancel)
    {
        using var within = Within(RequestTimeout, cancel);
        using var response = await _http.PostAsJsonAsync("api/v1/meters", new { id, community, resource }, within.Token);
        if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK) return null;
        var body = await response.Content.ReadAsStringAsync(cancel);
        return $"{(int)response.StatusCode} {response.ReasonPhrase}: {Detail(body)}{TokenHint(response.StatusCode)}";
    }

    /// <summary>GET /api/v1/meters, one meter (null when not registered).</summary>
    public async Task<MeterView?> FindAsync(string id, CancellationToken cancel)
    {
        using var within = Within(RequestTimeout, cancel);
        using var response = await _http.GetAsync("api/v1/meters", within.Token);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET api/v1/meters: {(int)response.StatusCode} {response.ReasonPhrase}{TokenHint(response.StatusCode)}", null, response.StatusCode);
        var meters = await response.Content.ReadFromJsonAsync<List<MeterView>>(DeviceFiles.Json, within.Token) ?? [];
        return meters.FirstOrDefault(m => m.Id == id);
    }

    /// <summary>POST /api/v1/meters/{id}/ping {timeoutS}: the gateway sends the device a ping and
    /// answers when its ack came (200) or the wait ran out (504 problem details).</summary>
    public async Task<PingAnswer> PingAsync(string id, int timeoutS, CancellationToken cancel)
    {
        using var within = Within(TimeSpan.FromSeconds(timeoutS) + RequestTimeout, cancel);
        using var response = await _http.PostAsJsonAsync($"api/v1/meters/{Uri.EscapeDataString(id)}/ping", new { timeoutS }, within.Token);
        var body = await response.Content.ReadAsStringAsync(within.Token);
        JsonElement root = default;
        try
        {
            using var doc = JsonDocument.Parse(body);
            root = doc.RootElement.Clone();
        }
        catch (JsonException) { }
        string? Str(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        long? Int(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var p) && p.TryGetInt64(out var v) ? v : null;
        var problem = response.StatusCode == HttpStatusCode.OK ? null
            : $"{(int)response.StatusCode} {response.ReasonPhrase}: {Detail(body)}{TokenHint(response.StatusCode)}";
        return new PingAnswer(response.StatusCode, Str("outcome"), Str("cid"), Str("error"), Int("roundTripMs"), (int?)Int("attempts"), problem);
    }

    /// <summary>GET /api/v1/meters/{id}/sequence: the ledger's high-water mark of the meter's sequence.</summary>
    public async Task<long> SequenceHighWaterAsync(string id, CancellationToken cancel)
    {
        using var within = Within(RequestTimeout, cancel);
        using var response = await _http.GetAsync($"api/v1/meters/{Uri.EscapeDataString(id)}/sequence", within.Token);
        var body = await response.Content.ReadAsStringAsync(within.Token);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {Detail(body)}{TokenHint(response.StatusCode)}", null, response.StatusCode);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("highWater").GetInt64();
    }

    /// <summary>GET /api/v1/readings/held: the held readings as the gateway lists them (JSON array).</summary>
    public async Task<JsonElement> HeldReadingsAsync(CancellationToken cancel)
    {
        using var within = Within(RequestTimeout, cancel);
        using var response = await _http.GetAsync("api/v1/readings/held", within.Token);
        var body = await response.Content.ReadAsStringAsync(within.Token);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {Detail(body)}{TokenHint(response.StatusCode)}", null, response.StatusCode);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    /// <summary>POST /api/v1/readings/held/{meter}/{channel}/{seq}/accept|reject {reason}: the answer's JSON.</summary>
    public async Task<JsonElement> DecideHeldAsync(string meter, string channel, long seq, string decision, string reason, CancellationToken cancel)
    {
        using var within = Within(RequestTimeout, cancel);
        using var response = await _http.PostAsJsonAsync(
            $"api/v1/readings/held/{Uri.EscapeDataString(meter)}/{Uri.EscapeDataString(channel)}/{seq}/{decision}", new { reason }, within.Token);
        var body = await response.Content.ReadAsStringAsync(within.Token);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {Detail(body)}{TokenHint(response.StatusCode)}", null, response.StatusCode);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();

    private static CancellationTokenSource Within(TimeSpan limit, CancellationToken cancel)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(limit);
        return cts;
    }

    private static string TokenHint(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => $" (the gateway has accounts: set {TokenVariable} to a technician's API token)",
        HttpStatusCode.Forbidden => $" ({TokenVariable} is not a technician's token)",
        _ => "",
    };

    private static string Detail(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) return d.GetString()!;
        }
        catch (JsonException) { }
        return body.Length > 200 ? body[..200] : body;
    }
}
