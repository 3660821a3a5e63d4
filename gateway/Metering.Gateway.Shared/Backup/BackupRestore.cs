namespace Commons.Metering.Gateway.Backup;

/// <summary>Checks a backup and restores it into an empty data folder. Verification before anything
/// is written: manifest readable, every listed file present with its size and SHA-256, no file
/// missing from the manifest, the audit chain intact with the head the manifest recorded. The files
/// are copied into "{data}.restoring" and that folder renamed to the data folder, so a failed
/// restore never leaves a half-filled data folder that a gateway could start on.</summary>
public static class BackupRestore
{
    /// <summary>Problems found in the backup folder; empty when it can be restored.</summary>
    public static IReadOnlyList<string> Verify(string backupFolder, out BackupManifest? manifest)
    {
        var problems = new List<string>();
        manifest = null;
        try { manifest = BackupManifest.Read(backupFolder); }
        catch (InvalidDataException e) { problems.Add(e.Message); return problems; }
        foreach (var f in manifest.Files)
        {
            var path = Path.Combine(backupFolder, f.Path);
            if (!File.Exists(path)) { problems.Add($"{f.Path}: missing"); continue; }
            var length = new FileInfo(path).Length;
            if (length != f.Bytes) { problems.Add($"{f.Path}: {length} bytes where the manifest says {f.Bytes}"); continue; }
            if (BackupManifest.Sha256Of(path) != f.Sha256) problems.Add($"{f.Path}: SHA-256 does not match the manifest (changed or damaged)");
        }
        var listed = manifest.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in Directory.GetFiles(backupFolder, "*", SearchOption.AllDirectories)
                     .Select(p => Path.GetRelativePath(backupFolder, p).Replace('\\', '/'))
                     .Where(p => p != BackupManifest.FileName && !listed.Contains(p)))
            problems.Add($"{extra}: not in the manifest");
        if (manifest.Audit is { } head)
        {
            var path = Path.Combine(backupFolder, head.File);
            if (File.Exists(path))
            {
                var now = BackupWriter.Head(head.File, path);
                if (!now.Intact) problems.Add($"{head.File}: audit chain {now.Problem}");
                else if (now.Records != head.Records || now.Hash != head.Hash)
                    problems.Add($"{head.File}: chain head is record {now.Records} {now.Hash}, the manifest recorded {head.Records} {head.Hash}");
            }
        }
        return problems;
    }

    /// <summary>Restores a verified backup into <paramref name="dataDirectory"/>, which must be missing
    /// or empty. Throws <see cref="BackupException"/> saying why not.</summary>
    public static BackupManifest Restore(string backupFolder, string dataDirectory)
    {
        var data = Path.GetFullPath(dataDirectory).TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any())
            throw new BackupException($"{data} is not empty: restore only into an empty or new data folder (move the old one aside first)");
        var problems = Verify(backupFolder, out var manifest);
        if (problems.Count > 0)
            throw new BackupException($"{backupFolder} does not verify, nothing restored:\n  " + string.Join("\n  ", problems));
        var staging = data + ".restoring";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        try
        {
            foreach (var f in manifest!.Files)
            {
                var target = Path.Combine(staging, f.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using (var s = File.OpenRead(Path.Combine(backupFolder, f.Path)))
                using (var t = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                {
                    s.CopyTo(t);
                    t.Flush(flushToDisk: true);
                }
                if (BackupManifest.Sha256Of(target) != f.Sha256) throw new IOException($"{target}: the copy does not match its checksum");
            }
            Directory.CreateDirectory(staging);
            // Devices still hold what came after the backup point: the gateway asks them for it at start.
            RefillRequest.Write(staging, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            if (Directory.Exists(data)) Directory.Delete(data);
            Directory.Move(staging, data);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            try { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); }
            catch (IOException) { }
            throw new BackupException($"restore into {data} FAILED, the data folder was not changed: {e.Message}", e);
        }
        return manifest;
    }
}
