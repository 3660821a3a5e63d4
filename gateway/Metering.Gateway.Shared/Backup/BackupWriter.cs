using System.Globalization;
using Commons.Metering.Gateway.Policy;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Backup;

/// <summary>Takes one backup of a data folder into a new folder under a backup directory, then
/// applies retention. Safe while the gateway runs:
/// - every SQLite database (metering.db, commons.db, ...) through SQLite's online backup API
///   (https://sqlite.org/backup.html), which copies one consistent snapshot under a read
///   transaction; never a file copy of a live WAL database, which can tear between the file and its
///   -wal. The copy is switched to a rollback journal so it is one self-contained file;
/// - append-only logs (audit.log, accounts-audit.jsonl) up to their last complete line; audit.log's
///   hash chain is verified on the copy and its head recorded;
/// - other files (accounts.json, broker-credentials.json, policy, keys/) whole: the gateway replaces
///   them in one rename, so a copy sees the old or the new file, never half of one.
/// The backup is written into ".partial-NAME", each file synced, manifest.json last, then renamed to
/// NAME: a failure (a full disk) deletes the partial folder and leaves every earlier backup as it was.
/// Retention deletes the oldest complete backups beyond <c>keep</c>, only after a new one succeeded.</summary>
public static class BackupWriter
{
    public const string FolderPrefix = "metering-backup-";
    public const string PartialPrefix = ".partial-";

    /// <summary>Sub-folders of the data folder that are state (ASP.NET data-protection keys: sign-in
    /// cookies survive a restore). Others (the demo's simulated devices, sim/) are not the gateway's.</summary>
    private static readonly string[] StateFolders = ["keys"];

    /// <summary>Files beside a database that belong to it and are covered by its online backup.</summary>
    private static readonly string[] DatabaseCompanions = ["-wal", "-shm", "-journal"];

    private static readonly string[] AppendOnlyLogs = ["audit.log", "accounts-audit.jsonl"];

    public const string AuditLogName = "audit.log";

    /// <summary>The ledger's file name (Options/GatewayDefaults.DatabaseFileName; this file is also
    /// compiled into the command line, which does not have the gateway's options).</summary>
    public const string LedgerFileName = "metering.db";

    public static BackupResult Create(string dataDirectory, string backupDirectory, int keep, TimeProvider time, string gatewayVersion)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        var data = Path.GetFullPath(dataDirectory);
        var root = Path.GetFullPath(backupDirectory);
        if (!Directory.Exists(data)) throw new BackupException($"no data folder at {data}");
        if (IsSameOrInside(root, data))
            throw new BackupException($"the backup directory {root} is inside the data folder {data}: back up to another disk or folder");
        var started = time.GetUtcNow();
        var name = FolderPrefix + started.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var final = Path.Combine(root, name);
        var partial = Path.Combine(root, PartialPrefix + name);
        try
        {
            Directory.CreateDirectory(root);
            if (Directory.Exists(final)) throw new BackupException($"{final} exists already");
            Directory.CreateDirectory(partial);
            var files = new List<BackupFile>();
            AuditHead? audit = null;
            foreach (var source in Sources(data))
            {
                var relative = Path.GetRelativePath(data, source).Replace('\\', '/');
                var target = Path.Combine(partial, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                string kind;
                if (IsSqlite(source)) { BackupSqlite(source, target); kind = "sqlite"; }
                else if (AppendOnlyLogs.Contains(Path.GetFileName(source))) { CopyCompleteLines(source, target); kind = "log"; }
                else { CopyWhole(source, target); kind = "file"; }
                if (relative == AuditLogName) audit = Head(relative, target);
                files.Add(new BackupFile(relative, kind, new FileInfo(target).Length, BackupManifest.Sha256Of(target)));
            }
            var ledger = Path.Combine(partial, LedgerFileName);
            var highWater = File.Exists(ledger) ? LedgerHighWater.Read(ledger) : [];
            var manifest = new BackupManifest(BackupManifest.CurrentFormat, started.ToString("O", CultureInfo.InvariantCulture),
                gatewayVersion, data, files, audit, highWater);
            WriteSynced(Path.Combine(partial, BackupManifest.FileName), manifest.ToJson());
            Directory.Move(partial, final);
        }
        catch (Exception e) when (e is not BackupException)
        {
            TryDelete(partial);
            throw new BackupException($"backup of {data} to {root} FAILED, nothing written there, earlier backups untouched: {e.Message}", e);
        }
        catch
        {
            TryDelete(partial);
            throw;
        }
        var deleted = Prune(root, keep);
        return new BackupResult(final, BackupManifest.Read(final), deleted, time.GetUtcNow() - started);
    }

    /// <summary>Complete backups under <paramref name="backupDirectory"/>, oldest first (names sort by time).</summary>
    public static IReadOnlyList<string> List(string backupDirectory) =>
        !Directory.Exists(backupDirectory) ? [] :
        Directory.GetDirectories(backupDirectory, FolderPrefix + "*")
            .Where(d => File.Exists(Path.Combine(d, BackupManifest.FileName)))
            .Order(StringComparer.Ordinal).ToList();

    private static IReadOnlyList<string> Prune(string root, int keep)
    {
        var deleted = new List<string>();
        var complete = List(root);
        foreach (var old in complete.Take(Math.Max(0, complete.Count - keep)))
        {
            Directory.Delete(old, recursive: true);
            deleted.Add(old);
        }
        // Partial folders left by a process killed mid-backup: never a backup, only space.
        foreach (var stale in Directory.GetDirectories(root, PartialPrefix + FolderPrefix + "*")) TryDelete(stale);
        return deleted;
    }

    private static IEnumerable<string> Sources(string data)
    {
        foreach (var f in Directory.GetFiles(data).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(f);
            if (DatabaseCompanions.Any(c => name.EndsWith(".db" + c, StringComparison.Ordinal))) continue;
            yield return f;
        }
        foreach (var folder in StateFolders)
        {
            var dir = Path.Combine(data, folder);
            if (!Directory.Exists(dir)) continue;
            foreach (var f in Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)) yield return f;
        }
    }

    /// <summary>A SQLite database by its 16-byte header "SQLite format 3\0" (https://sqlite.org/fileformat.html).</summary>
    internal static bool IsSqlite(string path)
    {
        var header = "SQLite format 3\0"u8;
        Span<byte> head = stackalloc byte[16];
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return s.ReadAtLeast(head, 16, throwOnEndOfStream: false) == 16 && head.SequenceEqual(header);
    }

    private static void BackupSqlite(string source, string target)
    {
        using (var src = Open(source, SqliteOpenMode.ReadOnly))
        using (var dst = Open(target, SqliteOpenMode.ReadWriteCreate))
        {
            src.BackupDatabase(dst);
            using var cmd = dst.CreateCommand();
            // The snapshot keeps the source's WAL flag; a rollback journal makes the copy one file.
            cmd.CommandText = "PRAGMA journal_mode=DELETE; PRAGMA quick_check;";
            using var r = cmd.ExecuteReader();
            r.NextResult();
            if (!r.Read() || r.GetString(0) != "ok") throw new InvalidDataException($"the copy of {source} fails SQLite's quick_check");
        }
        Sync(target);
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        c.Open();
        return c;
    }

    private static void CopyCompleteLines(string source, string target)
    {
        byte[] bytes;
        using (var s = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            bytes = new byte[s.Length];
            s.ReadExactly(bytes);
        }
        // A line still being appended is the next backup's.
        var complete = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        WriteSynced(target, bytes.AsSpan(0, complete));
    }

    private static void CopyWhole(string source, string target)
    {
        using (var s = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var t = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
        {
            s.CopyTo(t);
            t.Flush(flushToDisk: true);
        }
    }

    internal static AuditHead Head(string relative, string copy)
    {
        var verification = AuditLog.Verify(copy);
        var last = File.ReadLines(copy).LastOrDefault(l => l.Length > 0);
        var hash = last is not null && AuditRecord.TryParse(last, out var r) ? r!.Hash : AuditRecord.Genesis;
        return new AuditHead(relative, verification.Records, verification.Ok ? hash : "", verification.Ok, verification.Ok ? null : verification.ToString());
    }

    private static void WriteSynced(string path, ReadOnlySpan<byte> bytes)
    {
        using var t = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        t.Write(bytes);
        t.Flush(flushToDisk: true);
    }

    private static void WriteSynced(string path, string text) => WriteSynced(path, System.Text.Encoding.UTF8.GetBytes(text));

    private static void Sync(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        s.Flush(flushToDisk: true);
    }

    private static bool IsSameOrInside(string path, string folder)
    {
        var f = folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return (path.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar).StartsWith(f, StringComparison.Ordinal);
    }

    private static void TryDelete(string folder)
    {
        try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}

/// <summary>A backup that was written: its folder, its manifest, the old backups retention deleted.</summary>
public sealed record BackupResult(string Folder, BackupManifest Manifest, IReadOnlyList<string> Deleted, TimeSpan Took);

/// <summary>A backup or restore that failed; the message says what and where, for a log or a terminal.</summary>
public sealed class BackupException : Exception
{
    public BackupException(string message) : base(message) { }
    public BackupException(string message, Exception inner) : base(message, inner) { }
}
