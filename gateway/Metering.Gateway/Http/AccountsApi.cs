using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>/api/v1/accounts: administrators manage accounts; every account manages its own password
/// and API tokens. Generated passwords and new tokens are shown once, in the response, and never
/// stored or logged. Every change is written to accounts-audit.jsonl with the actor.</summary>
internal static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/v1/accounts").WithTags("accounts");
        accounts.MapGet("/", (AccountStore store) => TypedResults.Ok(store.List().Select(ToJson)))
            .RequireAuthorization(Access.Administrator).WithSummary("Every account with its role, household and tokens (never a secret).");
        accounts.MapPost("/", CreateAsync).RequireAuthorization(Access.Administrator)
            .WithSummary("Create an account {name, role, household?, password?}; a missing password is generated and returned once.");
        accounts.MapDelete("/{name}", Results<NoContent, ProblemHttpResult> (string name, HttpContext http, AccountStore store, AccountAudit audit) =>
        {
            if (store.Find(name) is null) return UnknownAccount(name);
            var change = store.Remove(name);
            if (!change.Ok) return Problems.Of(StatusCodes.Status409Conflict, "Not removed", change.Error!);
            audit.Write(http.User.Actor(), "remove", name);
            return TypedResults.NoContent();
        }).RequireAuthorization(Access.Administrator).WithSummary("Remove an account (not the last administrator).");
        accounts.MapPut("/{name}/password", SetPasswordAsync).RequireAuthorization(Access.SignedIn)
            .WithSummary("Set a password {currentPassword, password}: one's own; an administrator resets another's {password}, which its owner must replace at the next sign-in. Ends that account's sessions and revokes its tokens.");
        accounts.MapPut("/{name}/language", SetLanguageAsync).RequireAuthorization(Access.SignedIn)
            .WithSummary("Set the language the dashboard speaks to one's own account {language}: en or es.");
        accounts.MapPost("/{name}/tokens", AddTokenAsync).RequireAuthorization(Access.SignedIn)
            .WithSummary("Create an API token {label, days?} for one's own account only (days 1..365, default 90); returned once.");
        accounts.MapDelete("/{name}/tokens/{id}", Results<NoContent, ProblemHttpResult> (string name, string id, HttpContext http, AccountStore store, AccountAudit audit) =>
        {
            if (!MayManage(http, name)) return AccessProblems.Forbidden(http);
            if (store.Find(name) is null) return UnknownAccount(name);
            var change = store.RemoveToken(name, id);
            if (!change.Ok) return Problems.NotFound("Unknown token", change.Error!);
            audit.Write(http.User.Actor(), "revoke-token", name, id);
            return TypedResults.NoContent();
        }).RequireAuthorization(Access.SignedIn).WithSummary("Revoke an API token.");
        return app;
    }

    private static AccountJson ToJson(Account a) => new(
        a.Name, a.Role.Name(), a.Household, a.Created, a.ResetBy, a.Language,
        a.Tokens.Select(t => new TokenJson(t.Id, t.Label, t.Created, t.ExpiresAt)));

    private static async Task<Results<Created<CreatedAccountJson>, ProblemHttpResult>> CreateAsync(HttpContext http, AccountStore store, AccountAudit audit, PolicyStore policy)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        if (!Roles.TryParse(body.Str("role"), out var role)) return Problems.Bad("'role' must be one of member, council, technician, administrator.");
        var household = body.Str("household");
        if (role == Role.Member && household is not null && policy.HasPolicy && policy.Current.Households.All(h => h.Id != household))
            return Problems.Bad($"The policy of community '{policy.Current.Community}' has no household '{household}'.");
        var name = body.Str("name");
        if (name is not null && store.Find(name) is not null)
            return Problems.Of(StatusCodes.Status409Conflict, "Account exists", $"An account '{name}' already exists.");
        if (!AccountStore.IsName(name))
            return Problems.Bad("A name is 1 to 48 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or a digit (e.g. 'maria' or 'tech-2').");
        var change = store.Add(name, role, household, body.Str("password"));
        if (!change.Ok) return Problems.Bad(change.Error!);
        audit.Write(http.User.Actor(), "create", change.Account!.Name, role.Name() + (household is null ? "" : " of " + household));
        // Quorums are counted by name: a council account the policy's council does not list is refused at every act.
        var warning = role == Role.Council && policy.HasPolicy && !policy.Current.Council.Members.Contains(change.Account.Name)
            ? $"'{change.Account.Name}' is not on the council of the policy in force ({string.Join(", ", policy.Current.Council.Members)}): " +
              "every proposal, approval or emergency signature of this account will be refused until a policy lists it."
            : null;
        return TypedResults.Created($"/api/v1/accounts/{change.Account.Name}",
            new CreatedAccountJson(change.Account.Name, role.Name(), household, change.Secret, warning));
    }

    /// <summary>One's own password needs the current one (a stolen cookie or token alone cannot lock the
    /// owner out). An administrator may reset another account's: the owner must then choose their own
    /// before doing anything else (<see cref="RequestGuards.UsePasswordResetGate"/>), and the reset is
    /// written to the policy audit chain, where the whole community sees it.</summary>
    private static async Task<Results<NoContent, Ok<GeneratedPasswordJson>, ProblemHttpResult>> SetPasswordAsync(string name, HttpContext http, AccountStore store, AccountAudit audit, SignInThrottle throttle)
    {
        if (!MayManage(http, name)) return AccessProblems.Forbidden(http);
        if (store.Find(name) is null) return UnknownAccount(name);
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        var actor = http.User.Actor();
        var own = actor == name;
        if (own)
        {
            var keys = SignInThrottle.Keys(name, http.Connection.RemoteIpAddress ?? System.Net.IPAddress.None);
            if (throttle.WaitFor(keys) > TimeSpan.Zero)
                return Problems.Of(StatusCodes.Status429TooManyRequests, "Too many failed attempts", "Too many wrong current passwords from this address: try again later.");
            if (store.Verify(name, body.Str("currentPassword")) is null)
            {
                throttle.Failed(keys);
                return Problems.Of(StatusCodes.Status403Forbidden, "Current password wrong", "Send your current password as 'currentPassword' with the new one.");
            }
        }
        // An administrator resets another account's password by sending none: one is generated and
        // returned once; the owner must change it at the next sign-in (docs/security.md).
        var generated = !own && body.Str("password") is null && http.User.IsInRole(Role.Administrator.Name())
            ? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(AuthDefaults.GeneratedPasswordBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_')
            : null;
        var change = store.SetPassword(name, generated ?? body.Str("password"), own ? null : actor);
        if (!change.Ok) return Problems.Bad(change.Error!);
        audit.Write(actor, own ? "password" : "password-reset", name);
        if (!own && CommonsApi.Runtime(http) is { HasPolicy: true } runtime)
            runtime.RecordAccountAct(actor, "account.password_reset", new { account = name, role = change.Account!.Role.Name() });
        return generated is null ? TypedResults.NoContent() : TypedResults.Ok(new GeneratedPasswordJson(name, generated));
    }

    /// <summary>Only for one's own account: a token acts as its account, so a token made for someone else
    /// would let its maker act as them (read their household, cast their vote).</summary>
    private static async Task<Results<Created<CreatedTokenJson>, ProblemHttpResult>> AddTokenAsync(string name, HttpContext http, AccountStore store, AccountAudit audit)
    {
        if (http.User.Actor() != name)
            return Problems.Of(StatusCodes.Status403Forbidden, "Forbidden",
                $"A token acts as its account, so only '{name}' may create one for '{name}' (signed in as '{http.User.Actor()}').");
        if (store.Find(name) is null) return UnknownAccount(name);
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        var days = body.Number("days") ?? AuthDefaults.TokenLifetime.TotalDays;
        if (days is < 1 or > AuthDefaults.MaxTokenDays || days != Math.Floor(days))
            return Problems.Bad($"'days' must be a whole number from 1 to {AuthDefaults.MaxTokenDays}.");
        var change = store.AddToken(name, body.Str("label"), TimeSpan.FromDays(days));
        if (!change.Ok) return Problems.Bad(change.Error!);
        var token = change.Account!.Tokens[^1];
        audit.Write(http.User.Actor(), "create-token", name, token.Id + " " + token.Label);
        return TypedResults.Created($"/api/v1/accounts/{name}/tokens/{token.Id}",
            new CreatedTokenJson(token.Id, token.Label, change.Account.Role.Name(), token.ExpiresAt, change.Secret!));
    }

    /// <summary>Oneself, or anyone as administrator.</summary>
    /// <summary>One's own account only: the language is the owner's choice, not an administrator's.</summary>
    private static async Task<Results<Ok<LanguageJson>, ProblemHttpResult>> SetLanguageAsync(string name, HttpContext http, AccountStore store, AccountAudit audit)
    {
        if (http.User.Actor() != name) return AccessProblems.Forbidden(http);
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        var language = body.Str("language");
        var change = store.SetLanguage(name, language);
        if (!change.Ok) return Problems.Bad(change.Error!);
        audit.Write(name, "language", name, language);
        return TypedResults.Ok(new LanguageJson(name, language));
    }

    private static bool MayManage(HttpContext http, string name) =>
        http.User.Actor() == name || http.User.RoleOf() == Role.Administrator;

    private static ProblemHttpResult UnknownAccount(string name) => Problems.NotFound("Unknown account", $"No account '{name}'.");
}

/// <summary>An account as administrators list it: never a secret, tokens by id and label.</summary>
internal sealed record AccountJson(
    string Name, string Role, string? Household, DateTimeOffset Created, string? PasswordResetBy, string? Language, IEnumerable<TokenJson> Tokens);

internal sealed record TokenJson(string Id, string Label, DateTimeOffset Created, DateTimeOffset Expires);

/// <summary><c>generatedPassword</c>: shown once, when none was sent; <c>warning</c>: a council account the policy's council does not list.</summary>
internal sealed record CreatedAccountJson(string Name, string Role, string? Household, string? GeneratedPassword, string? Warning);

/// <summary>An administrator's reset: the generated password, shown once.</summary>
internal sealed record GeneratedPasswordJson(string Name, string GeneratedPassword);

/// <summary>A new API token: <c>token</c> is the secret, shown once.</summary>
internal sealed record CreatedTokenJson(string Id, string Label, string Role, DateTimeOffset Expires, string Token);

internal sealed record LanguageJson(string Name, string? Language);
