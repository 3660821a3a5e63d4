using System.Net.Http.Headers;

namespace Commons.Metering.Gateway.Region;

/// <summary>The upward link over HTTP(S): POST {Url}/api/v1/region/reports, Authorization: Community
/// &lt;token&gt;; the 200 answer leaves the region only after its commit (docs/federation.md, "Wire").</summary>
internal sealed class HttpUpstreamTransport(UpstreamOptions options, HttpClient http) : IUpstreamTransport
{
    public string Target => options.ReportsUri.ToString();

    public async Task<UpstreamSend> SendAsync(string community, long seq, byte[] report, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.ReportsUri) { Content = new ByteArrayContent(report) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Community", options.Token);
        HttpResponseMessage response;
        try { response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return UpstreamSend.Unreachable(e.Message);
        }
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? UpstreamSend.Answered(body)
                : UpstreamSend.RefusedBy($"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        }
    }
}
