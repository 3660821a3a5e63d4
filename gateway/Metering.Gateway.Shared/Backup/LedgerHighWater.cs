using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Backup;

/// <summary>What a ledger file holds up to: per meter, the newest sequence number among its
/// readings and events, with that uplink's device time. A restore prints it; a device that still
/// holds readings after that sequence can send them again.</summary>
public static class LedgerHighWater
{
    public static IReadOnlyList<MeterHighWater> Read(string ledgerPath)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = ledgerPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        // SQLite takes the bare columns of a MAX() aggregate from the row that holds the maximum
        // (https://sqlite.org/lang_select.html#bareagg): the newest uplink's own times.
        cmd.CommandText = """
            SELECT meter, MAX(seq), ts_ms, received_ms FROM (
                SELECT meter, seq, ts_ms, received_ms FROM reading_channels
                UNION ALL SELECT meter, seq, ts_ms, received_ms FROM events)
            GROUP BY meter ORDER BY meter
            """;
        using var r = cmd.ExecuteReader();
        var list = new List<MeterHighWater>();
        while (r.Read()) list.Add(new MeterHighWater(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)));
        return list;
    }
}
