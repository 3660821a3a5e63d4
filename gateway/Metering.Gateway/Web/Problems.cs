using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commons.Metering.Gateway.Web;

/// <summary>RFC 7807 problem details with a plain-language detail, for handlers and for the
/// authentication events (which have no IResult to return).</summary>
internal static class Problems
{
    public static ProblemHttpResult Of(int status, string title, string detail, IReadOnlyList<string>? errors = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail,
            extensions: errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult Bad(string detail) => Of(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static ProblemHttpResult NotFound(string title, string detail) => Of(StatusCodes.Status404NotFound, title, detail);

    public static ProblemHttpResult NoPolicy() => NotFound("No policy",
        "No policy is configured: set Metering:Policy:File (Metering__Policy__File) to the community's policy file. The gateway meters, nothing is enforced.");

    public static Task Write(HttpContext http, int status, string title, string detail) =>
        Of(status, title, detail).ExecuteAsync(http);
}

/// <summary>Reads a JSON object body with a size limit. Writes accept only application/json: a
/// cross-site HTML form cannot send that without a CORS preflight, which the gateway never grants.</summary>
internal static class JsonBody
{
    /// <summary>Every write but a proposal is a few short fields.</summary>
    public const int SmallBytes = 16 * 1024;

    /// <summary>A whole policy file: village.yaml is ~4 KB; 256 KB leaves room for a big community.</summary>
    public const int PolicyBytes = 256 * 1024;

    public static async Task<(JsonElement Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, int maxBytes)
    {
        if (!IsJson(request)) return (default, NotJson());
        if (request.ContentLength > maxBytes) return (default, TooLarge(maxBytes));
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes) return (default, TooLarge(maxBytes));
            buffer.Write(chunk, 0, read);
        }
        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return (default, Problems.Bad("The body must be a JSON object."));
            return (doc.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (default, Problems.Bad($"The body is not valid JSON: {e.Message}"));
        }
    }

    public static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);

    public static ProblemHttpResult NotJson() => Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
        "Send the body as JSON with 'Content-Type: application/json' (a write without fields sends {}).");

    public static string? Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    public static double? Number(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetDouble(out var d) ? d : null;

    private static ProblemHttpResult TooLarge(int maxBytes) =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, "Request too large", $"The body may have at most {maxBytes} bytes.");
}
