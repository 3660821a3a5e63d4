namespace Commons.Metering.Gateway.Auth;

/// <summary>Metering:Auth (Dashboard/README.md, "Configuration"). Bound and checked by
/// <see cref="AuthServices"/>; the password is a secret and masked in the logged configuration.</summary>
public sealed class AuthOptions
{
    public const string Section = "Metering:Auth";

    /// <summary>Name of a first administrator to create at start when no account with that name exists.</summary>
    public string? Administrator { get; set; }

    /// <summary>Its password (at least <see cref="AuthDefaults.MinPasswordLength"/> characters). Secret.</summary>
    public string? AdministratorPassword { get; set; }

    /// <summary>Create one account per role with generated passwords and print them (<c>--demo</c> sets it).</summary>
    public bool DemoAccounts { get; set; }

    /// <summary>How long a browser stays signed in without activity (sliding).</summary>
    public int SessionMinutes { get; set; } = AuthDefaults.SessionMinutes;

    /// <summary>Failed sign-ins of one name (or from one address) before the next attempt must wait.</summary>
    public int FreeFailures { get; set; } = AuthDefaults.FreeFailures;

    /// <summary>Upper bound of that wait; it doubles from 1 s with each further failure.</summary>
    public int MaxLockoutSeconds { get; set; } = AuthDefaults.MaxLockoutSeconds;

    internal IEnumerable<string> Errors()
    {
        if (Administrator is not null && !AccountStore.IsName(Administrator))
            yield return $"{Section}:Administrator must match {AccountStore.NamePattern} (was '{Administrator}'); set it in appsettings.json or as Metering__Auth__Administrator.";
        if (Administrator is not null && PasswordRule.Problem(Administrator, AdministratorPassword) is { } weak)
            yield return $"{Section}:AdministratorPassword is needed when {Section}:Administrator is set, and {weak} (Metering__Auth__AdministratorPassword).";
        if (SessionMinutes is < 1 or > 7 * 24 * 60)
            yield return $"{Section}:SessionMinutes must be between 1 and 10080 (was {SessionMinutes}); Metering__Auth__SessionMinutes.";
        if (FreeFailures is < 1 or > 100)
            yield return $"{Section}:FreeFailures must be between 1 and 100 (was {FreeFailures}); Metering__Auth__FreeFailures.";
        if (MaxLockoutSeconds is < 1 or > 3600)
            yield return $"{Section}:MaxLockoutSeconds must be between 1 and 3600 (was {MaxLockoutSeconds}); Metering__Auth__MaxLockoutSeconds.";
    }
}

/// <summary>Every default of the dashboard's sign-in in one place.</summary>
internal static class AuthDefaults
{
    public const string AccountsFileName = "accounts.json";
    public const string AccountsAuditFileName = "accounts-audit.jsonl";
    public const string CookieName = "metering_session";
    public const string SignedOutFileName = "signed-out-sessions";

    /// <summary>Under the data directory: the keys that sign and encrypt the session cookies.</summary>
    public const string KeysDirectory = "keys";

    /// <summary>A working day: a council meeting or a technician's shift without signing in again.</summary>
    public const int SessionMinutes = 12 * 60;

    /// <summary>NIST SP 800-63B 5.1.1.1 asks at least 8 characters; 10 with a list of common ones refused
    /// (<see cref="PasswordRule"/>) puts a single password out of reach of a distributed guesser at the
    /// PBKDF2 cost of each check.</summary>
    public const int MinPasswordLength = 10;

    /// <summary>An API token lives 90 days unless its creator asks for less or more (at most a year):
    /// a token copied into a forgotten script stops working by itself.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(90);
    public const int MaxTokenDays = 365;

    /// <summary>NIST SP 800-63B 5.2.2 asks to limit failed attempts; 5 free ones forgive typos.</summary>
    public const int FreeFailures = 5;

    /// <summary>Doubling from 1 s, capped at 5 min: 100 guesses then take hours, a typo costs seconds.</summary>
    public const int MaxLockoutSeconds = 300;

    /// <summary>A failure older than this no longer counts (the lockout decays).</summary>
    public static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(15);

    /// <summary>Generated passwords and tokens: 18 / 32 random bytes (144 / 256 bits).</summary>
    public const int GeneratedPasswordBytes = 18;
    public const int TokenBytes = 32;
    public const string TokenPrefix = "mtk_";
}
