using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Backup;

/// <summary>Scheduled backups, section Metering:Backup (environment: Metering__Backup__Directory=/mnt/backup).
/// Off until a directory is set. Backup/README.md lists these defaults; a test keeps them in step.</summary>
public sealed class BackupOptions
{
    public const string Section = "Metering:Backup";

    /// <summary>Where backups go: a second disk or a mounted remote folder, never inside the data folder.
    /// Empty = no scheduled backups (`metering backup` still works).</summary>
    public string Directory { get; set; } = "";

    /// <summary>One backup a day: an SD card that dies loses at most a day of policy changes, and the
    /// readings after the backup are still in the devices' flash (the wire contract).</summary>
    public int IntervalMinutes { get; set; } = 1440;

    /// <summary>Keep a week of daily backups: a problem noticed days late still has a good copy before it.</summary>
    public int Keep { get; set; } = 7;

    public bool Enabled => !string.IsNullOrWhiteSpace(Directory);

    public IEnumerable<string> Errors(string dataDirectory)
    {
        if (IntervalMinutes is < 1 or > 7 * 24 * 60)
            yield return $"{Section}:IntervalMinutes (Metering__Backup__IntervalMinutes) must be between 1 and 10080 (is {IntervalMinutes})";
        if (Keep is < 1 or > 1000) yield return $"{Section}:Keep (Metering__Backup__Keep) must be between 1 and 1000 (is {Keep})";
        if (Enabled)
        {
            var dir = Path.GetFullPath(Directory).TrimEnd('/') + "/";
            var data = Path.GetFullPath(dataDirectory).TrimEnd('/') + "/";
            if (dir.StartsWith(data, StringComparison.Ordinal))
                yield return $"{Section}:Directory (Metering__Backup__Directory) {Directory} is inside the data folder {dataDirectory}: back up to another disk";
        }
    }

    public static BackupOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<BackupOptions>() ?? new BackupOptions();
}
