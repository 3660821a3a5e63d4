using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Who may do what (Dashboard/README.md, "Roles"): the authorization policies the endpoints
/// name, and the household check that a policy cannot express (a member sees only its own household).</summary>
internal static class Access
{
    public const string SignedIn = "signed-in";
    public const string Council = "council";
    public const string Technician = "technician";
    public const string Administrator = "administrator";

    /// <summary>Readings the ledger holds as implausible, awaiting a technician (registers are household data).</summary>
    public const string TechnicianOrAdministrator = "technician-or-administrator";

    /// <summary>Device-level views without household usage: devices, breakers, commands.</summary>
    public const string Operations = "operations";

    /// <summary>The endpoints of the first slice (meters, usage, policy, allowance) stay open to
    /// loopback callers while no account exists at all (a fresh install, the existing scripts);
    /// the first account closes them.</summary>
    public const string TechnicianOrSetup = "technician-or-setup";
    public const string SignedInOrSetup = "signed-in-or-setup";

    public static void AddPolicies(AuthorizationOptions o)
    {
        o.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser());
        o.AddPolicy(Council, p => p.RequireRole(Role.Council.Name()));
        o.AddPolicy(Technician, p => p.RequireRole(Role.Technician.Name()));
        o.AddPolicy(Administrator, p => p.RequireRole(Role.Administrator.Name()));
        o.AddPolicy(TechnicianOrAdministrator, p => p.RequireRole(Role.Technician.Name(), Role.Administrator.Name()));
        o.AddPolicy(Operations, p => p.RequireRole(Role.Technician.Name(), Role.Council.Name(), Role.Administrator.Name()));
        o.AddPolicy(TechnicianOrSetup, p => p.AddRequirements(new OpenWhileNoAccounts([Role.Technician])));
        o.AddPolicy(SignedInOrSetup, p => p.AddRequirements(new OpenWhileNoAccounts(Enum.GetValues<Role>())));
    }

    public static ClaimsIdentity Identity(Account account, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, account.Name),
            new(ClaimTypes.Role, account.Role.Name()),
            new(Roles.StampClaim, account.Stamp),
        };
        if (account.Household is not null) claims.Add(new Claim(Roles.HouseholdClaim, account.Household));
        if (account.ResetBy is not null) claims.Add(new Claim(Roles.ResetClaim, account.ResetBy));
        return new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role);
    }

    /// <summary>The name every write is audited with.</summary>
    public static string Actor(this ClaimsPrincipal user) => user.Identity?.Name ?? "(setup)";

    public static Role? RoleOf(this ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && Roles.TryParse(user.FindFirstValue(ClaimTypes.Role), out var r) ? r : null;

    public static string? HouseholdOf(this ClaimsPrincipal user) => user.FindFirstValue(Roles.HouseholdClaim);

    /// <summary>The administrator who set the password this session signed in with, or null.</summary>
    public static string? ResetBy(this ClaimsPrincipal user) => user.FindFirstValue(Roles.ResetClaim);

    /// <summary>Household data is private: only a member bound to that household reads it (or anyone
    /// on loopback while no account exists).</summary>
    public static bool MayReadHousehold(HttpContext http, string household) =>
        IsSetupMode(http) || (http.User.RoleOf() == Role.Member && http.User.HouseholdOf() == household);

    public static bool IsSetupMode(HttpContext http) =>
        http.RequestServices.GetService(typeof(AccountStore)) is AccountStore { Count: 0 }
        && http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip)
        && TokenAuthenticationHandler.BearerToken(http.Request) is null;

    public static string ForbiddenDetail(HttpContext http) =>
        $"Signed in as '{http.User.Actor()}' ({http.User.RoleOf()?.Name() ?? "no role"}): that role may not do this " +
        "(members see their own household and the public aggregates; council sets policy; technicians operate devices; administrators manage accounts).";
}

internal sealed record OpenWhileNoAccounts(IReadOnlyList<Role> Roles) : IAuthorizationRequirement;

internal sealed class OpenWhileNoAccountsHandler : AuthorizationHandler<OpenWhileNoAccounts>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OpenWhileNoAccounts requirement)
    {
        var http = context.Resource as HttpContext;
        if (http is not null && Access.IsSetupMode(http)) context.Succeed(requirement);
        else if (context.User.RoleOf() is { } role && requirement.Roles.Contains(role)) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
