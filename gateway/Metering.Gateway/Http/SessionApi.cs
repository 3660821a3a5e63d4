using System.Net;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
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
        session.MapGet("/", (HttpContext http) => TypedResults.Ok(Me(http))).RequireAuthorization(Access.SignedIn)
            .WithSummary("The signed-in account: name, role, household.");
        session.MapDelete("/", async Task<NoContent> (HttpContext http, SignedOutSessions signedOut, Microsoft.Extensions.Options.IOptions<AuthOptions> options) =>
        {
            // The session ends on the server too: a copy of the cookie is refused from now on.
            if (http.User.FindFirst(Roles.SessionClaim)?.Value is { } sid) signedOut.End(sid, TimeSpan.FromMinutes(options.Value.SessionMinutes));
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        }).AllowAnonymous().WithSummary("Sign out: ends the cookie session on the server, so a copy of the cookie is refused too.");
        return app;
    }

    internal static SessionJson Me(HttpContext http)
    {
        var runtime = http.RequestServices.GetService<ICommonsRuntime>();
        return new SessionJson(
            http.User.Actor(),
            http.User.RoleOf()?.Name(),
            http.User.HouseholdOf(),
            http.User.ResetBy(),
            http.User.Actor() is { } actor ? http.RequestServices.GetRequiredService<AccountStore>().Find(actor)?.Language : null,
            HasPolicy: runtime?.HasPolicy ?? http.RequestServices.GetRequiredService<Policy.PolicyStore>().HasPolicy,
            Runtime: runtime is not null);
    }

    private static async Task<Results<Ok<SignedInJson>, ProblemHttpResult>> SignInAsync(HttpContext http, AccountStore accounts, SignInThrottle throttle, AuthMetrics metrics, ILogger<AccountStore> logger)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        var name = body.Str("name")?.Trim().ToLowerInvariant();
        var password = body.Str("password");
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password)) return Problems.Bad("Send {\"name\": ..., \"password\": ...}.");
        var address = http.Connection.RemoteIpAddress ?? IPAddress.None;
        // Per address, and per name from that address, never per name alone: a lockout by name would let
        // anyone lock the administrator or a technician out during an incident with a few wrong passwords.
        string[] keys = SignInThrottle.Keys(name, address);
        var wait = throttle.WaitFor(keys);
        if (wait > TimeSpan.Zero)
        {
            metrics.CountSignIn("throttled");
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of(StatusCodes.Status429TooManyRequests, "Too many failed sign-ins",
                $"Too many failed sign-ins for this name or from this address: try again in {seconds} s.");
        }
        var account = accounts.Verify(name, password);
        if (account is null)
        {
            throttle.Failed(keys);
            metrics.CountSignIn("failed");
            // The name only when such an account exists: a password typed into the name field must not reach the log.
            if (accounts.Find(name) is not null) logger.LogWarning("Failed sign-in for {Name} from {Address}", name, address);
            else logger.LogWarning("Failed sign-in for an unknown name ({Length} characters) from {Address}", name.Length, address);
            return Problems.Of(StatusCodes.Status401Unauthorized, "Sign-in failed", "Wrong name or password.");
        }
        throttle.Succeeded(keys[1]);
        metrics.CountSignIn("ok");
        var identity = Access.Identity(account, CookieAuthenticationDefaults.AuthenticationScheme);
        identity.AddClaim(new System.Security.Claims.Claim(Roles.SessionClaim, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))));
        var principal = new System.Security.Claims.ClaimsPrincipal(identity);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        logger.LogInformation("Signed in: {Name} ({Role}) from {Address}", account.Name, account.Role, address);
        return TypedResults.Ok(new SignedInJson(account.Name, account.Role.Name(), account.Household, account.ResetBy, account.Language));
    }
}

/// <summary>GET /api/v1/session. <c>passwordResetBy</c>: set when an administrator set this password (every
/// other request is refused until the owner chooses one); <c>language</c>: null means the browser's;
/// <c>runtime</c>: whether the policy runtime runs.</summary>
internal sealed record SessionJson(string Name, string? Role, string? Household, string? PasswordResetBy, string? Language, bool HasPolicy, bool Runtime);

/// <summary>POST /api/v1/session: the account just signed in.</summary>
internal sealed record SignedInJson(string Name, string Role, string? Household, string? PasswordResetBy, string? Language);
