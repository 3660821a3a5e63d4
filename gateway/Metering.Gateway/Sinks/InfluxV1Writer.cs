using System.Net.Http.Headers;
using System.Text;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>InfluxDB 1.x: POST {Url}/write?db=..&amp;precision=ms with the lines as the body
/// (InfluxDB 1.x HTTP API, "/write" endpoint; 204 means every line was written).</summary>
internal sealed class InfluxV1Writer : ISinkWriter, IDisposable
{
    // InfluxDB 1.x error bodies are small JSON objects; keep enough for the message and dead letter.
    private const int MaxErrorChars = 2000;
    private readonly HttpClient _http;
    private readonly Uri _writeUri;

    public InfluxV1Writer(InfluxOptions options, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = TimeSpan.FromMilliseconds(options.RequestTimeoutMs);
        if (!string.IsNullOrEmpty(options.Username))
        {
            var raw = Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}");
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(raw));
        }
        var baseUrl = options.Url!.TrimEnd('/');
        _writeUri = new Uri($"{baseUrl}/write?db={Uri.EscapeDataString(options.Database!)}&precision=ms");
    }

    public string Name => SinkConstants.InfluxSinkName;

    public async Task WriteAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(lines);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain", "utf-8");
        using var response = await _http.PostAsync(_writeUri, content, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length > MaxErrorChars) body = body[..MaxErrorChars];
        var status = (int)response.StatusCode;
        var message = $"InfluxDB 1.x /write answered {status} {response.ReasonPhrase}: {body.Trim()}";
        if (SinkRejectedException.IsLineStatus(status)) throw new SinkRejectedException(status, message);
        throw new HttpRequestException(message, null, response.StatusCode);
    }

    public void Dispose() => _http.Dispose();
}
