using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Commons.Metering.Cli;

/// <summary>The gateway's HTTP API as the command line uses it (gateway/Metering.Gateway/README.md, "HTTP").</summary>
internal sealed class GatewayClient : IDisposable
{
    /// <summary>A technician's API token (created on the dashboard's accounts page). Needed once the
    /// gateway has accounts; taken from the environment so it never shows in a shell history.</summary>
    public const string TokenVariable = "METERING_API_TOKEN";

    private readonly HttpClient _http;

    public GatewayClient(Uri baseUrl)
    {
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
        if (Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token)
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    internal sealed record MeterChannel(string Name, long? LastSeq, long Register);

    internal sealed record MeterView(string Id, string Community, string Resource, string Unit, long? LastSeq, IReadOnlyList<MeterChannel> Channels);

    /// <summary>POST /api/v1/meters: null on success (201 new, 200 already the same), else the reason.</summary>
    public async Task<string?> RegisterAsync(string id, string community, string resource, CancellationToken cancel)
    {
        using var response = await _http.PostAsJsonAsync("api/v1/meters", new { id, community, resource }, cancel);
        if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK) return null;
        var body = await response.Content.ReadAsStringAsync(cancel);
        return $"{(int)response.StatusCode} {response.ReasonPhrase}: {Detail(body)}{TokenHint(response.StatusCode)}";
    }

    /// <summary>GET /api/v1/meters, one meter (null when not registered).</summary>
    public async Task<MeterView?> FindAsync(string id, CancellationToken cancel)
    {
        using var response = await _http.GetAsync("api/v1/meters", cancel);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET api/v1/meters: {(int)response.StatusCode} {response.ReasonPhrase}{TokenHint(response.StatusCode)}", null, response.StatusCode);
        var meters = await response.Content.ReadFromJsonAsync<List<MeterView>>(DeviceFiles.Json, cancel) ?? [];
        return meters.FirstOrDefault(m => m.Id == id);
    }

    public void Dispose() => _http.Dispose();

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
