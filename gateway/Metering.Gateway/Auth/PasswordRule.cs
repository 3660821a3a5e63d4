namespace Commons.Metering.Gateway.Auth;

/// <summary>What a password must be (Dashboard/README.md, "Passwords"): at least
/// <see cref="AuthDefaults.MinPasswordLength"/> characters, and not one an attacker tries first
/// (NIST SP 800-63B 5.1.1.2: refuse values from lists of commonly used or compromised passwords,
/// repetitive or sequential characters, and context-specific words such as the account's name).</summary>
internal static class PasswordRule
{
    /// <summary>At most this many characters: a PBKDF2 check of a megabyte would be a denial of service.</summary>
    public const int MaxLength = 256;

    /// <summary>Fewer distinct characters than this is a repetition ("aaaaaaaaaa", "abababababab").</summary>
    private const int MinDistinctCharacters = 4;

    /// <summary>Runs an attacker tries as a whole or as a part: digits, the alphabet, keyboard rows.</summary>
    private static readonly string[] Sequences =
        ["01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn", "1qaz2wsx3edc4rfv5tgb", "zaq12wsxcde34rfv"];

    /// <summary>Passwords of 10 or more characters from the top of the published leak lists (SecLists
    /// "10-million-password-list-top-1000", RockYou); shorter ones already fail the length rule.</summary>
    private static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "password12", "password123", "password1234", "password12345", "password!!", "passw0rd123", "p@ssword123", "p@ssw0rd123",
        "iloveyou12", "iloveyou123", "princess123", "sunshine123", "football123", "baseball123", "superman123", "michael123",
        "welcome123", "welcome1234", "letmein123", "trustno1234", "administrator", "admin12345", "admin123456", "changeme123",
        "changeme1234", "qwerty12345", "qwerty123456", "1q2w3e4r5t", "1q2w3e4r5t6y", "q1w2e3r4t5", "1qaz2wsx3edc", "zaq1xsw2cde3",
        "a1b2c3d4e5", "aa12345678", "abc1234567", "abcd123456", "123456789a", "1234567890a", "123qweasdzxc", "passwordpassword",
        "monkey12345", "dragon12345", "master12345", "computer12", "computer123", "internet123", "whatever123", "starwars123",
        "community1", "community123", "metering123", "commons123", "gateway123", "village123", "household1", "council123",
    };

    /// <summary>Null when <paramref name="password"/> is acceptable for <paramref name="account"/>, else why not.</summary>
    public static string? Problem(string? account, string? password)
    {
        if (password is null || password.Length < AuthDefaults.MinPasswordLength)
            return $"'password' must have at least {AuthDefaults.MinPasswordLength} characters.";
        if (password.Length > MaxLength) return $"'password' may have at most {MaxLength} characters.";
        var lower = password.ToLowerInvariant();
        if (lower.Distinct().Count() < MinDistinctCharacters)
            return "'password' repeats too few characters; choose a phrase of several words.";
        if (Common.Contains(lower) || Sequences.Any(s => s.Contains(lower, StringComparison.Ordinal) || Reverse(s).Contains(lower, StringComparison.Ordinal)))
            return "'password' is on the lists attackers try first; choose a phrase of several words.";
        if (account is { Length: >= 3 } && lower.Contains(account, StringComparison.Ordinal))
            return "'password' must not contain the account's name.";
        return null;
    }

    private static string Reverse(string s) => new(s.Reverse().ToArray());
}
