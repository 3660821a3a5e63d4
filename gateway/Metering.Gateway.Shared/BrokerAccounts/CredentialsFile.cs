using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Commons.Metering.Gateway.BrokerAccounts;

/// <summary>The device registry's credentials: <c>broker-credentials.json</c> in the gateway's data
/// directory, next to metering.db. Written by the technicians' command line (tools/Metering.Cli,
/// `metering provision`), read by the embedded broker (reloaded when the file changes) and exported
/// by `metering broker credentials` as mosquitto's password_file and acl_file, so both brokers
/// enforce the same rules from the same file. A file, not a table: the ledger's SQLite file has a
/// single writer inside the gateway, and the technician's tool must work while the gateway runs or
/// on another machine. Writes go to a temporary file that replaces the old one (atomic rename), so
/// a reader never sees half a file. Shared with tools/Metering.Cli through this library.
/// Format: {"v":1,"accounts":[{"user","role":"Device"|"Gateway","community","passwordHash"}]}.</summary>
internal static class CredentialsFile
{
    public const string FileName = "broker-credentials.json";
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        // Base64 hashes stay readable ('+' unescaped); the file is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private sealed record Document(int V, List<BrokerAccount> Accounts);

    /// <summary>The accounts in the file; empty when the file does not exist.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a valid credentials file.</exception>
    public static IReadOnlyList<BrokerAccount> Read(string path)
    {
        if (!File.Exists(path)) return [];
        Document? doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid credentials file: {e.Message}", e);
        }
        if (doc is null || doc.V != Version || doc.Accounts is null)
            throw new InvalidDataException($"{path} is not a version {Version} credentials file.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in doc.Accounts)
        {
            if (string.IsNullOrEmpty(a.User) || !seen.Add(a.User))
                throw new InvalidDataException($"{path}: empty or duplicate user '{a.User}'.");
            if (!MosquittoPasswordHash.TryParse(a.PasswordHash, out _, out _, out _))
                throw new InvalidDataException($"{path}: user '{a.User}' has no valid $7$ password hash.");
            if (a.Role == BrokerRole.Device && string.IsNullOrEmpty(a.Community))
                throw new InvalidDataException($"{path}: device '{a.User}' has no community.");
        }
        return doc.Accounts;
    }

    /// <summary>Serialises read-modify-write cycles of several technicians' tools on one file: an
    /// exclusive lock on a file beside it (&lt;file&gt;.lock, left in place: deleting it would let two
    /// processes lock two different files), waited for up to <paramref name="timeout"/> (default 10 s).</summary>
    /// <exception cref="IOException">Another process held the lock for the whole timeout.</exception>
    public static IDisposable Lock(string path, TimeSpan? timeout = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                return new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Replaces the file atomically; on Unix it is readable by its owner only.</summary>
    public static void Write(string path, IEnumerable<BrokerAccount> accounts)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new Document(Version, accounts.OrderBy(a => a.User, StringComparer.Ordinal).ToList()), Json));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, full, overwrite: true);
    }
}
