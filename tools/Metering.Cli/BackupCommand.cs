using System.CommandLine;
using System.Reflection;
using Commons.Metering.Gateway.Backup;

namespace Commons.Metering.Cli;

/// <summary><c>metering backup</c> and <c>metering restore</c>: the gateway's own backup code
/// (gateway/Metering.Gateway/Backup, compiled into this tool) run on a data folder. Backing up is safe
/// while the gateway runs (SQLite's online backup, logs up to their last complete line); run it as the
/// gateway's user so the files it reads stay the gateway's.</summary>
internal static class BackupCommand
{
    private const string DefaultData = "/var/lib/metering";

    public static Command CreateBackup()
    {
        var data = new Option<string>("--data") { Description = "The gateway's data folder (Metering:Storage:DataDirectory)", DefaultValueFactory = _ => DefaultData };
        var to = new Option<string>("--to") { Description = "The backup directory: a second disk or a mounted remote folder", Required = true };
        var keep = new Option<int>("--keep") { Description = "Complete backups to keep there; older ones are deleted after this one succeeded", DefaultValueFactory = _ => 7 };
        var command = new Command("backup", "Takes a consistent backup of the gateway's data folder (every database, the audit log, accounts, " +
            "credentials) into a new folder under --to, with a checksum manifest and the audit chain head; safe while the gateway runs.")
        { data, to, keep };
        command.SetAction(r =>
        {
            if (r.GetValue(keep) < 1) return ProvisionCommand.Fail(ExitCodes.Usage, "--keep must be at least 1");
            try
            {
                var result = BackupWriter.Create(r.GetValue(data)!, r.GetValue(to)!, r.GetValue(keep), TimeProvider.System, Version);
                var m = result.Manifest;
                Console.WriteLine($"backup written: {result.Folder}");
                Console.WriteLine($"  {m.Files.Count} files, {m.Files.Sum(f => f.Bytes)} bytes, in {result.Took.TotalSeconds:F1} s");
                if (m.Audit is { } a) Console.WriteLine($"  audit chain: {a.Records} records, head {a.Hash}{(a.Intact ? "" : "  BROKEN: " + a.Problem)}");
                Console.WriteLine($"  ledger: {m.Ledger.Count} meters (newest seq per meter in {BackupManifest.FileName})");
                foreach (var d in result.Deleted) Console.WriteLine($"  deleted (retention {r.GetValue(keep)}): {d}");
                return ExitCodes.Ok;
            }
            catch (BackupException e)
            {
                return ProvisionCommand.Fail(ExitCodes.FileError, e.Message);
            }
        });
        return command;
    }

    public static Command CreateRestore()
    {
        var from = new Argument<string>("backup") { Description = "A backup folder (metering-backup-...) written by `metering backup` or the gateway" };
        var data = new Option<string>("--data") { Description = "The data folder to restore into: must be empty or missing", DefaultValueFactory = _ => DefaultData };
        var verifyOnly = new Option<bool>("--verify-only") { Description = "Only check the backup (checksums, audit chain); write nothing" };
        var command = new Command("restore", "Verifies a backup (checksums, audit chain) and restores it into an empty data folder; " +
            "prints what the restored ledger holds up to, per meter (newest seq and its time).") { from, data, verifyOnly };
        command.SetAction(r =>
        {
            var folder = Path.GetFullPath(r.GetValue(from)!);
            try
            {
                BackupManifest manifest;
                if (r.GetValue(verifyOnly))
                {
                    var problems = BackupRestore.Verify(folder, out var m);
                    if (problems.Count > 0) return ProvisionCommand.Fail(ExitCodes.FileError, $"{folder} does not verify:\n  " + string.Join("\n  ", problems));
                    manifest = m!;
                    Console.WriteLine($"ok: {folder} verifies ({manifest.Files.Count} files, checksums and audit chain)");
                }
                else
                {
                    manifest = BackupRestore.Restore(folder, r.GetValue(data)!);
                    Console.WriteLine($"restored {folder} into {Path.GetFullPath(r.GetValue(data)!)} ({manifest.Files.Count} files, checksums verified)");
                }
                Print(manifest);
                if (!r.GetValue(verifyOnly) && File.Exists(Path.Combine(r.GetValue(data)!, RefillRequest.FileName)))
                    Console.WriteLine($"at start the gateway asks each meter to send again what its flash window holds after that seq ({RefillRequest.FileName})");
                return ExitCodes.Ok;
            }
            catch (BackupException e)
            {
                return ProvisionCommand.Fail(ExitCodes.FileError, e.Message);
            }
        });
        return command;
    }

    private static void Print(BackupManifest m)
    {
        Console.WriteLine($"backup taken {m.CreatedUtc} by {m.GatewayVersion}");
        Console.WriteLine(m.Audit is { } a ? $"audit chain: intact, {a.Records} records, head {a.Hash}" : "audit chain: none (no audit.log in the backup)");
        Console.WriteLine($"the ledger holds, per meter, up to (a device that still holds later readings can send them again):");
        Console.WriteLine($"  {"meter",-24} {"newest seq",10}  {"device time (UTC)",-24} received (UTC)");
        foreach (var h in m.Ledger)
            Console.WriteLine($"  {h.Meter,-24} {h.Seq,10}  {Iso(h.TsMs),-24} {Iso(h.ReceivedMs)}");
        if (m.Ledger.Count == 0) Console.WriteLine("  (no readings)");
    }

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    private static string Version => "metering " +
        (typeof(BackupCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
}
