using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Backup;

/// <summary>The request a restore leaves in the data folder (<see cref="FileName"/>): every meter of the
/// restored ledger with the newest seq it holds of that meter, and the cid of this restore's refill
/// commands (docs/protocol.md, "refill"). <see cref="RefillAfterRestore"/> in the gateway sends them and
/// strikes off each meter that answered. Compiled into the command line too (`metering restore`).</summary>
public static class RefillRequest
{
    public const string FileName = "refill-after-restore.json";

    public sealed record Meter(string Id, string Community, long AfterSeq);

    public sealed record File_(string Cid, IReadOnlyList<Meter> Meters);

    /// <summary>Writes the request for the ledger in <paramref name="dataDirectory"/>; nothing when it has no meter.</summary>
    public static void Write(string dataDirectory, long restoredAtMs)
    {
        var ledger = Path.Combine(dataDirectory, BackupWriter.LedgerFileName);
        if (!File.Exists(ledger)) return;
        var meters = ReadMeters(ledger);
        if (meters.Count == 0) return;
        // One cid per restore (^[A-Za-z0-9_-]{1,32}$): a device answers each restore anew.
        Save(Path.Combine(dataDirectory, FileName), new File_("rf-" + (restoredAtMs / 1000).ToString(CultureInfo.InvariantCulture), meters));
    }

    public static File_? Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<File_>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty") : null;

    /// <summary>Written beside, synced, then renamed over: a crash leaves the old or the new file.</summary>
    public static void Save(string path, File_ file)
    {
        var temp = path + ".tmp";
        using (var s = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(s, file);
            s.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Per meter the newest seq among its readings, events and gauges (gauges from ledger schema 3 on).</summary>
    private static List<Meter> ReadMeters(string ledgerPath)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = ledgerPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'gauges'";
        var gauges = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) > 0 ? "UNION ALL SELECT meter, seq FROM gauges" : "";
        cmd.CommandText = $"""
            SELECT m.id, m.community, ifnull(MAX(u.seq), 0) FROM meters m LEFT JOIN (
                SELECT meter, seq FROM reading_channels UNION ALL SELECT meter, seq FROM events {gauges}) u ON u.meter = m.id
            GROUP BY m.id ORDER BY m.id
            """;
        using var r = cmd.ExecuteReader();
        var list = new List<Meter>();
        while (r.Read()) list.Add(new Meter(r.GetString(0), r.GetString(1), r.GetInt64(2)));
        return list;
    }
}
