using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Two checks every request passes before its endpoint (Dashboard/README.md, "Browsers and
/// scripts"): a write from a browser must come from the gateway's own pages (cross-site request
/// forgery), and a session signed in with a password an administrator set may only replace it.</summary>
internal static class RequestGuards
{
    /// <summary>Cross-site request forgery. SameSite=Strict does not help against a page on another
    /// port of the same host (same site, other origin), and a form or a no-cors fetch carries the cookie
    /// there. So every write that is not authenticated by a bearer token (which a browser never adds by
    /// itself) must (1) be JSON, which a form or a no-cors fetch cannot send without a CORS preflight
    /// that the gateway never grants, and (2) when the browser says where it comes from (Origin, else
    /// Referer; every current browser sends Origin on a POST, PUT or DELETE), come from this gateway's
    /// own host and port. Scripts without those headers (curl) pass (2).</summary>
    public static IApplicationBuilder UseCrossSiteGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var request = http.Request;
        if (IsWrite(request.Method) && TokenAuthenticationHandler.BearerToken(request) is null)
        {
            if (ForeignOrigin(request) is { } origin)
            {
                await Problems.Write(http, StatusCodes.Status403Forbidden, "Cross-site request refused",
                    $"This write came from a page of {LogText.Safe(origin)}, not from this gateway ({request.Host}): browsers may write only from the gateway's own pages.");
                return;
            }
            if (!JsonBody.IsJson(request))
            {
                await JsonBody.NotJson().ExecuteAsync(http);
                return;
            }
        }
        await next(http);
    });

    /// <summary>An administrator who set someone's password knows it. The session it opens may read who
    /// it is and set a password of its own, nothing else: no vote, no token, no household data.</summary>
    public static IApplicationBuilder UsePasswordResetGate(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.User.ResetBy() is { } admin && !MayUseResetPassword(http))
        {
            await Problems.Write(http, StatusCodes.Status403Forbidden, "Choose your own password first",
                $"Administrator '{admin}' set the password of '{http.User.Actor()}': choose your own (PUT /api/v1/accounts/{http.User.Actor()}/password " +
                "with currentPassword and password) before anything else.");
            return;
        }
        await next(http);
    });

    private static bool MayUseResetPassword(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        if (!path.StartsWith("/api/", StringComparison.Ordinal)) return true;
        if (string.Equals(path.TrimEnd('/'), "/api/v1/session", StringComparison.OrdinalIgnoreCase)) return HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsDelete(http.Request.Method);
        return HttpMethods.IsPut(http.Request.Method) &&
            string.Equals(path, $"/api/v1/accounts/{http.User.Actor()}/password", StringComparison.Ordinal);
    }

    private static bool IsWrite(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    /// <summary>The Origin (or Referer) when it names another host or port than the request's Host; null
    /// when it is this gateway or the header is absent. "null" (a sandboxed frame, a file) is foreign.</summary>
    internal static string? ForeignOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) origin = request.Headers.Referer.ToString();
        if (origin.Length == 0) return null;
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase) ? null : origin;
    }
}
