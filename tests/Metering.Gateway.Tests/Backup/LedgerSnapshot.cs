using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests.Backup;

/// <summary>A ledger file's reading rows and hourly buckets, to compare a backup with the live ledger.</summary>
internal sealed record LedgerSnapshot(IReadOnlyList<string> Readings, IReadOnlyDictionary<string, long> MaxSeq, IReadOnlyList<string> Hourly, IReadOnlyList<string> HourlyFromRows)
{
    public static LedgerSnapshot Read(string path)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        var readings = Rows(c, "SELECT meter, seq, channel, reg, usage, ifnull(flag, ''), ts_ms, received_ms, ifnull(reading_flag, '') FROM reading_channels ORDER BY meter, seq, channel");
        var max = new Dictionary<string, long>();
        foreach (var row in Rows(c, "SELECT meter, MAX(seq) FROM reading_channels GROUP BY meter")) max[row.Split('|')[0]] = long.Parse(row.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture);
        var hourly = Rows(c, "SELECT meter, channel, hour_ms, usage FROM hourly_usage WHERE usage <> 0 ORDER BY 1, 2, 3");
        // hourly_usage is written in the same transaction as the rows it sums: a torn copy would disagree.
        var fromRows = Rows(c, """
            SELECT meter, channel, ts_ms - ts_ms % 3600000, SUM(usage) FROM reading_channels
            GROUP BY 1, 2, 3 HAVING SUM(usage) <> 0 ORDER BY 1, 2, 3
            """);
        return new LedgerSnapshot(readings, max, hourly, fromRows);
    }

    /// <summary>The rows of <paramref name="meter"/> up to <paramref name="seq"/>.</summary>
    public IEnumerable<string> UpTo(string meter, long seq) =>
        Readings.Where(r => r.StartsWith(meter + "|", StringComparison.Ordinal) && long.Parse(r.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture) <= seq);

    private static List<string> Rows(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
        {
            var fields = new string[r.FieldCount];
            for (var i = 0; i < r.FieldCount; i++) fields[i] = Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!;
            list.Add(string.Join('|', fields));
        }
        return list;
    }
}
