using System.Security.Claims;
using System.Text.Encodings.Web;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Auth;

/// <summary>"Authorization: Bearer mtk_..." for scripts: the token's SHA-256 is looked up in the
/// account store; the request then acts as the token's account, with its one role.</summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    AccountStore accounts, AuthMetrics metrics)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request) is not { } token) return Task.FromResult(AuthenticateResult.NoResult());
        var account = accounts.FindByToken(token);
        if (account is null)
        {
            metrics.CountTokenRejected();
            return Task.FromResult(AuthenticateResult.Fail("The bearer token matches no account: it was revoked or mistyped."));
        }
        var principal = new ClaimsPrincipal(Access.Identity(account, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var result = await Context.AuthenticateAsync(SchemeName);
        await Problems.Write(Context, StatusCodes.Status401Unauthorized, "Not signed in",
            result.Failure?.Message ?? "Sign in, or send an API token as 'Authorization: Bearer <token>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", Access.ForbiddenDetail(Context));

    internal static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}
