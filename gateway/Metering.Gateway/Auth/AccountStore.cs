using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;

namespace Commons.Metering.Gateway.Auth;

/// <summary>The accounts of the dashboard and API in {DataDirectory}/accounts.json, written
/// atomically (temporary file, fsync, rename) so a crash leaves the old or the new file, never half
/// of one. A few dozen accounts per village: the whole file is read at start and rewritten per change.</summary>
public sealed partial class AccountStore
{
    public const string NamePattern = "^[a-z0-9][a-z0-9._-]{0,47}$";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly PasswordHasher<Account> _hasher = new();
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly string _dummyHash;
    private Dictionary<string, Account> _accounts;
    private (DateTime WrittenUtc, long Length) _loaded;

    public AccountStore(string dataDirectory, TimeProvider time)
    {
        Directory.CreateDirectory(dataDirectory);
        _path = Path.Combine(dataDirectory, AuthDefaults.AccountsFileName);
        _time = time;
        _accounts = Load(_path);
        _loaded = Stamp(_path);
        // Verifying against this when the name is unknown takes as long as a real check.
        _dummyHash = _hasher.HashPassword(null!, "not-a-password-" + Guid.NewGuid());
    }

    public string FilePath => _path;

    public int Count { get { lock (_lock) return Current.Count; } }

    public static bool IsName(string? name) => name is not null && NameRegex().IsMatch(name);

    public IReadOnlyList<Account> List() { lock (_lock) return Current.Values.OrderBy(a => a.Name, StringComparer.Ordinal).ToList(); }

    public Account? Find(string name) { lock (_lock) return Current.GetValueOrDefault(name); }

    /// <summary>Creates an account; a null password is generated and returned once in <see cref="AccountChange.Secret"/>.</summary>
    public AccountChange Add(string? name, Role role, string? household, string? password)
    {
        if (!IsName(name)) return AccountChange.Fail($"'name' must match {NamePattern}.");
        if (role == Role.Member && !IsName(household)) return AccountChange.Fail("A member account needs 'household': the id of its household in the policy.");
        if (role != Role.Member && household is not null) return AccountChange.Fail($"Only a member account is bound to a household; a {role.Name()} account is not.");
        if (password is not null && PasswordRule.Problem(name, password) is { } weak) return AccountChange.Fail(weak);
        var secret = password ?? Generate(AuthDefaults.GeneratedPasswordBytes);
        lock (_lock)
        {
            if (Current.ContainsKey(name!)) return AccountChange.Fail($"An account '{name}' already exists.");
            var account = new Account(name!, role, household, _hasher.HashPassword(null!, secret), NewStamp(), _time.GetUtcNow(), []);
            Save(new Dictionary<string, Account>(_accounts, StringComparer.Ordinal) { [account.Name] = account });
            return new AccountChange(true, null, account, password is null ? secret : null);
        }
    }

    public AccountChange Remove(string name)
    {
        lock (_lock)
        {
            if (!Current.TryGetValue(name, out var account)) return AccountChange.Fail($"No account '{name}'.");
            if (account.Role == Role.Administrator && _accounts.Values.Count(a => a.Role == Role.Administrator) == 1)
                return AccountChange.Fail("The last administrator cannot be removed: nobody could manage accounts any more.");
            var next = new Dictionary<string, Account>(_accounts, StringComparer.Ordinal);
            next.Remove(name);
            Save(next);
            return new AccountChange(true, null, account);
        }
    }

    /// <summary>Sets the password, ends every cookie session (new stamp) and revokes every API token of
    /// the account: whoever held the old password may have made them. <paramref name="resetBy"/> names
    /// an administrator setting someone else's password (the owner must then choose their own); null
    /// when the owner sets it.</summary>
    public AccountChange SetPassword(string name, string? password, string? resetBy = null)
    {
        if (PasswordRule.Problem(name, password) is { } weak) return AccountChange.Fail(weak);
        return Update(name, a => a with { PasswordHash = _hasher.HashPassword(null!, password!), Stamp = NewStamp(), Tokens = [], ResetBy = resetBy });
    }

    /// <summary>Sets the language the dashboard speaks to the account: one of <see cref="Languages.Supported"/>.</summary>
    public AccountChange SetLanguage(string name, string? language)
    {
        if (!Languages.IsSupported(language))
            return AccountChange.Fail($"'language' must be one of {string.Join(", ", Languages.Supported)}.");
        return Update(name, a => a with { Language = language });
    }

    /// <summary>A new token for the account, valid for <paramref name="lifetime"/>; the token itself is
    /// returned once and never stored.</summary>
    public AccountChange AddToken(string name, string? label, TimeSpan lifetime)
    {
        label = string.IsNullOrWhiteSpace(label) ? "script" : label.Trim();
        if (label.Length > 64) return AccountChange.Fail("'label' must have at most 64 characters.");
        if (LogText.HasHidden(label)) return AccountChange.Fail("'label' must not hold control, bidirectional or zero-width characters.");
        if (Find(name) is { ResetBy: not null }) return AccountChange.Fail("An administrator set this password: choose your own first.");
        var token = AuthDefaults.TokenPrefix + Generate(AuthDefaults.TokenBytes);
        var now = _time.GetUtcNow();
        var entry = new ApiToken(Generate(6), label, Sha256(token), now, now + lifetime);
        var change = Update(name, a => a with { Tokens = [.. a.Tokens, entry] });
        return change.Ok ? change with { Secret = token } : change;
    }

    public AccountChange RemoveToken(string name, string tokenId)
    {
        var account = Find(name);
        if (account is null) return AccountChange.Fail($"No account '{name}'.");
        if (account.Tokens.All(t => t.Id != tokenId)) return AccountChange.Fail($"Account '{name}' has no token '{tokenId}'.");
        return Update(name, a => a with { Tokens = a.Tokens.Where(t => t.Id != tokenId).ToList() });
    }

    /// <summary>The account when the password is right; the check takes as long for an unknown name.</summary>
    public Account? Verify(string? name, string? password)
    {
        var account = name is null ? null : Find(name);
        var result = _hasher.VerifyHashedPassword(null!, account?.PasswordHash ?? _dummyHash, password ?? "");
        return account is not null && result != PasswordVerificationResult.Failed ? account : null;
    }

    public Account? FindByToken(string token)
    {
        if (!token.StartsWith(AuthDefaults.TokenPrefix, StringComparison.Ordinal)) return null;
        var hash = Sha256(token);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return Current.Values.FirstOrDefault(a => a.ResetBy is null && a.Tokens.Any(t => t.ExpiresAt > now &&
                CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(t.Sha256), Encoding.ASCII.GetBytes(hash))));
        }
    }

    private AccountChange Update(string name, Func<Account, Account> change)
    {
        lock (_lock)
        {
            if (!Current.TryGetValue(name, out var account)) return AccountChange.Fail($"No account '{name}'.");
            var updated = change(account);
            Save(new Dictionary<string, Account>(_accounts, StringComparer.Ordinal) { [name] = updated });
            return new AccountChange(true, null, updated);
        }
    }

    private void Save(Dictionary<string, Account> next)
    {
        var temp = _path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, new AccountsFile(next.Values.OrderBy(a => a.Name, StringComparer.Ordinal).ToList()), Json);
            file.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, _path, overwrite: true);
        _accounts = next;
        _loaded = Stamp(_path);
    }

    /// <summary>The accounts, read again when the file changed on disk (restored from a backup, or
    /// replaced while the gateway runs). Callers hold the lock; a stat per call is cheap next to a request.</summary>
    private Dictionary<string, Account> Current
    {
        get
        {
            var stamp = Stamp(_path);
            if (stamp != _loaded)
            {
                _accounts = Load(_path);
                _loaded = stamp;
            }
            return _accounts;
        }
    }

    private static (DateTime, long) Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

    private static Dictionary<string, Account> Load(string path)
    {
        if (!File.Exists(path)) return new Dictionary<string, Account>(StringComparer.Ordinal);
        try
        {
            var file = JsonSerializer.Deserialize<AccountsFile>(File.ReadAllText(path), Json);
            return (file?.Accounts ?? []).ToDictionary(a => a.Name, StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new AccountsFileException($"The accounts file {path} is not valid JSON ({e.Message}); restore it from a backup or remove it.", e);
        }
    }

    internal static string Sha256(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string NewStamp() => Generate(12);

    private static string Generate(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record AccountsFile(List<Account> Accounts);

    [GeneratedRegex(NamePattern)]
    private static partial Regex NameRegex();
}

/// <summary>accounts.json cannot be read: the gateway stops with exit code 2 rather than start without its accounts.</summary>
public sealed class AccountsFileException(string message, Exception inner) : Exception(message, inner);
