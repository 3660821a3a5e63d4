using System.Net;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Commons;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Http;

/// <summary>/api/v1/session: browser sign-in (cookie), who am I, sign-out. Failed sign-ins are
/// counted (metering_signin_total) and slowed down (<see cref="SignInThrottle"/>); the password is
/// never logged.</summary>
internal static class SessionApi
{
    public static IEndpointRouteBuilder MapSessionApi(this IEndpointRouteBuilder app)
    {
        var session = app.MapGroup("/api/v1/session").WithTags("session");
        session.MapPost("/", SignInAsync).AllowAnonymous().WithSummary("Sign in with name and password; sets the session cookie.");
        session.MapGet("/", (HttpContext http) => Results.Json(Me(http))).RequireAuthorization(Access.SignedIn)
            .WithSummary("The signed-in account: name, role, household.");
        session.MapDelete("/", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.NoContent();
        }).AllowAnonymous().WithSummary("Sign out (ends the cookie session).");
        return app;
    }

    internal static object Me(HttpContext http)
    {
        var runtime = http.RequestServices.GetService<ICommonsRuntime>();
        return new
        {
            name = http.User.Actor(),
            role = http.User.RoleOf()?.Name(),
            household = http.User.HouseholdOf(),
            hasPolicy = runtime?.HasPolicy ?? http.RequestServices.GetRequiredService<Policy.PolicyStore>().HasPolicy,
            runtime = runtime is not null,
        };
    }

    private static async Task<IResult> SignInAsync(HttpContext http, AccountStore accounts, SignInThrottle throttle, AuthMetrics metrics, ILogger<AccountStore> logger)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        var name = body.Str("name")?.Trim().ToLowerInvariant();
        var password = body.Str("password");
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password)) return Problems.Bad("Send {\"name\": ..., \"password\": ...}.");
        var address = http.Connection.RemoteIpAddress ?? IPAddress.None;
        string[] keys = ["name:" + name, "addr:" + address];
        var wait = throttle.WaitFor(keys);
        if (wait > TimeSpan.Zero)
        {
            metrics.SignIns.WithLabels("throttled").Inc();
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of(StatusCodes.Status429TooManyRequests, "Too many failed sign-ins",
                $"Too many failed sign-ins for this name or from this address: try again in {seconds} s.");
        }
        var account = accounts.Verify(name, password);
        if (account is null)
        {
            throttle.Failed(keys);
            metrics.SignIns.WithLabels("failed").Inc();
            logger.LogWarning("Failed sign-in for {Name} from {Address}", name, address);
            return Problems.Of(StatusCodes.Status401Unauthorized, "Sign-in failed", "Wrong name or password.");
        }
        throttle.Succeeded(keys[0]);
        metrics.SignIns.WithLabels("ok").Inc();
        var principal = new System.Security.Claims.ClaimsPrincipal(Access.Identity(account, CookieAuthenticationDefaults.AuthenticationScheme));
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        logger.LogInformation("Signed in: {Name} ({Role}) from {Address}", account.Name, account.Role, address);
        return Results.Json(new { name = account.Name, role = account.Role.Name(), household = account.Household });
    }
}
