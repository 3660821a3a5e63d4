using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Sign-in for the dashboard and the API: a cookie for browsers (HttpOnly, SameSite=Strict:
/// with JSON-only writes that is the antiforgery defence, Dashboard/README.md), a bearer token for
/// scripts; the request picks its scheme by the Authorization header.</summary>
internal static class AuthServices
{
    private const string SelectorScheme = "metering";

    public static IServiceCollection AddMeteringAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section))
            .Validate(o => !o.Errors().Any(), "Metering:Auth is invalid").ValidateOnStart();
        services.AddSingleton(sp => new AccountStore(
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Storage.DataDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AccountAudit>();
        services.AddSingleton<AuthMetrics>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton(sp => new SignedOutSessions(
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Storage.DataDirectory, sp.GetRequiredService<TimeProvider>()));
        // Cookie keys live with the data, so sessions survive a restart and a copied data directory
        // carries them; without this ASP.NET Core keeps them in the user's home directory.
        var dataDirectory = configuration["Metering:Storage:DataDirectory"] ?? GatewayDefaults.DataDirectory;
        services.AddDataProtection().SetApplicationName("commons-metering")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, AuthDefaults.KeysDirectory)));
        services.AddSingleton<IAuthorizationHandler, OpenWhileNoAccountsHandler>();
        services.AddAuthorization(Access.AddPolicies);
        services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "cookie or token", o => o.ForwardDefaultSelector = http =>
                TokenAuthenticationHandler.BearerToken(http.Request) is not null ? TokenAuthenticationHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((o, auth) => Configure(o, auth.Value));
        return services;
    }

    /// <summary>Checked at start with the gateway's other options: one clear message, exit code 2.</summary>
    public static IEnumerable<string> ConfigurationErrors(IConfiguration configuration)
    {
        AuthOptions options;
        try { options = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions(); }
        catch (InvalidOperationException e) { return [e.Message]; }
        return options.Errors();
    }

    private static void Configure(CookieAuthenticationOptions o, AuthOptions auth)
    {
        o.Cookie.Name = AuthDefaults.CookieName;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        // A village intranet often has no TLS: the cookie is Secure whenever the request came over https.
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.ExpireTimeSpan = TimeSpan.FromMinutes(auth.SessionMinutes);
        o.SlidingExpiration = true;
        o.Events.OnRedirectToLogin = c => Problems.Write(c.HttpContext, StatusCodes.Status401Unauthorized, "Not signed in",
            "Sign in first (POST /api/v1/session), or send an API token as 'Authorization: Bearer <token>'.");
        o.Events.OnRedirectToAccessDenied = c => Problems.Write(c.HttpContext, StatusCodes.Status403Forbidden, "Forbidden", Access.ForbiddenDetail(c.HttpContext));
        // A removed account, a changed password or a sign-out ends the cookie sessions at their next request.
        o.Events.OnValidatePrincipal = async c =>
        {
            var store = c.HttpContext.RequestServices.GetRequiredService<AccountStore>();
            var account = c.Principal?.Identity?.Name is { } name ? store.Find(name) : null;
            var signedOut = c.HttpContext.RequestServices.GetRequiredService<SignedOutSessions>();
            if (account is null || account.Stamp != c.Principal!.FindFirst(Roles.StampClaim)?.Value
                || signedOut.IsEnded(c.Principal.FindFirst(Roles.SessionClaim)?.Value))
            {
                c.RejectPrincipal();
                await c.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            }
        };
    }
}
