using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Commons.Metering.Gateway.Backup;

/// <summary>manifest.json of one backup: every file with its size and SHA-256, the audit chain's head
/// and what the ledger holds up to, per meter. Written last, so a folder without it is not a backup.</summary>
public sealed record BackupManifest(
    int Format,
    string CreatedUtc,
    string GatewayVersion,
    string DataDirectory,
    IReadOnlyList<BackupFile> Files,
    AuditHead? Audit,
    IReadOnlyList<MeterHighWater> Ledger)
{
    public const int CurrentFormat = 1;
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a backup folder's manifest; throws <see cref="InvalidDataException"/> naming the
    /// file when it is missing, unreadable or of an unknown format.</summary>
    public static BackupManifest Read(string backupFolder)
    {
        var path = Path.Combine(backupFolder, FileName);
        if (!File.Exists(path)) throw new InvalidDataException($"{path} is missing: {backupFolder} is not a complete backup");
        BackupManifest? m;
        try { m = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a readable manifest: {e.Message}", e); }
        if (m is null || m.Files is null) throw new InvalidDataException($"{path} is empty");
        if (m.Format != CurrentFormat) throw new InvalidDataException($"{path} has format {m.Format}; this tool reads format {CurrentFormat}");
        return m;
    }

    public static string Sha256Of(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}

/// <summary>One file of a backup, by its path relative to the data folder (forward slashes).
/// Kind: <c>sqlite</c> (SQLite online backup), <c>log</c> (append-only, copied up to its last
/// complete line), <c>file</c> (copied whole).</summary>
public sealed record BackupFile(string Path, string Kind, long Bytes, string Sha256);

/// <summary>The audit log's chain at the backup point: records, the last record's hash, and whether
/// the chain verified (a broken chain is still backed up, and says so).</summary>
public sealed record AuditHead(string File, long Records, string Hash, bool Intact, string? Problem);

/// <summary>The newest (meter, seq) the ledger holds, with that uplink's device time and arrival.</summary>
public sealed record MeterHighWater(string Meter, long Seq, long TsMs, long ReceivedMs);
