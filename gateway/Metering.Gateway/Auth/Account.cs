namespace Commons.Metering.Gateway.Auth;

/// <summary>One account as accounts.json stores it. The password is only ever stored as
/// <see cref="PasswordHash"/> (ASP.NET Core Identity's PasswordHasher v3: PBKDF2-HMAC-SHA512,
/// 100 000 iterations, 128-bit salt); a token only as the SHA-256 of its random 256 bits.
/// <see cref="Stamp"/> changes when the password changes, which ends the account's cookie sessions.
/// <see cref="ResetBy"/> names the administrator who last set this account's password; until the owner
/// chooses a password of their own, a session signed in with it may do nothing but that.
/// <see cref="Language"/> is the language the dashboard speaks to the account (<see cref="Languages"/>);
/// null until its owner chooses one, when the browser's language is used.</summary>
public sealed record Account(
    string Name, Role Role, string? Household, string PasswordHash, string Stamp, DateTimeOffset Created, IReadOnlyList<ApiToken> Tokens,
    string? ResetBy = null, string? Language = null);

/// <summary>An API token for scripts: it acts with its account's role (and household), nothing more,
/// until <see cref="Expires"/> (a token stored before tokens expired counts from its creation).</summary>
public sealed record ApiToken(string Id, string Label, string Sha256, DateTimeOffset Created, DateTimeOffset? Expires = null)
{
    public DateTimeOffset ExpiresAt => Expires ?? Created + AuthDefaults.TokenLifetime;
}

/// <summary>What the store answers to a change; <see cref="Error"/> is a plain-language reason.</summary>
public sealed record AccountChange(bool Ok, string? Error = null, Account? Account = null, string? Secret = null)
{
    public static AccountChange Fail(string error) => new(false, error);
}
