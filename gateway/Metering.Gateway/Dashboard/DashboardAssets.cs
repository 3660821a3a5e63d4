using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>The pages, script and style, embedded in the gateway's dll (Dashboard/assets) and served
/// from memory: nothing to deploy beside the gateway, nothing fetched from the internet. The page
/// shell holds no data; every figure comes from the API, behind the roles.</summary>
internal static class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".json"] = "application/json; charset=utf-8",
    };

    private static readonly Lazy<Dictionary<string, byte[]>> Files = new(Load);

    /// <summary>Same origin only, no inline script, no framing (clickjacking).</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    public static IEndpointRouteBuilder MapDashboardAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Redirect("/dashboard/")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/dashboard/{**path}", (string? path, HttpContext http) =>
        {
            var name = string.IsNullOrEmpty(path) ? "index.html" : path;
            if (!Files.Value.TryGetValue(name, out var bytes)) return Web.Problems.NotFound("Not found", $"The dashboard has no file '{name}'.");
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-cache";
            return Results.Bytes(bytes, ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    internal static IReadOnlyCollection<string> Names => Files.Value.Keys;

    private static Dictionary<string, byte[]> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            files[resource[Prefix.Length..].Replace('\\', '/')] = ms.ToArray();
        }
        return files;
    }
}
