using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Commons.Metering.Dashboard.Tests.Api;

internal static class ApiAssert
{
    /// <summary>Asserts an RFC 7807 answer with that status and a detail that says something; returns the detail.</summary>
    public static async Task<string> ProblemAsync(HttpResponseMessage r, HttpStatusCode status)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(status == r.StatusCode, $"expected {(int)status}, got {(int)r.StatusCode}: {body}");
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        return detail!;
    }

    public static async Task<JsonElement> OkJsonAsync(HttpResponseMessage r, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(status == r.StatusCode, $"expected {(int)status}, got {(int)r.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<HttpStatusCode> StatusOfGetAsync(HttpClient http, string path)
    {
        using var r = await http.GetAsync(path);
        return r.StatusCode;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, object body) => http.PostAsJsonAsync(path, body);

    /// <summary>A write without fields, as the dashboard sends it: JSON {} (the gateway refuses body-less writes from cookies).</summary>
    public static Task<HttpResponseMessage> PostEmptyAsync(this HttpClient http, string path) => http.PostAsJsonAsync(path, new { });

    public static Task<HttpResponseMessage> DeleteJsonAsync(this HttpClient http, string path) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Content = JsonContent.Create(new { }) });

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient http, string path, string body, string contentType = "application/json") =>
        http.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));
}
