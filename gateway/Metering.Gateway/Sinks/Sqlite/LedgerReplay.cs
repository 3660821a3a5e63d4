using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Sinks.Sqlite;

/// <summary>Rebuilds InfluxDB from the ledger: the reading rows of a device-time range go into
/// sink_outbox again, as the very lines the ledger wrote when it committed them (the same
/// <see cref="InfluxLineBuilder"/> as <see cref="InfluxSinkRows"/>, from the rows' own register, usage,
/// seq and flag), and the running sink delivers them like any other. So the
/// rebuild uses the same writer, retries, breaker and dead letters, and is idempotent: InfluxDB keeps
/// one point per series and timestamp, a line sent again overwrites itself with the same values.
/// Live ingest is not stalled: the rows are read on their own read-only connection, and each chunk of
/// <see cref="ChunkRows"/> lines is one short insert transaction, between which the ledger writer's
/// group commits get the write lock (its busy_timeout is 10 s; a chunk takes milliseconds).</summary>
internal static class LedgerReplay
{
    /// <summary>InfluxData's recommended batch (SinkConstants.DefaultBatchSize): one chunk, one sink write.</summary>
    public const int ChunkRows = 5000;

    /// <summary>Queues the lines of every reading channel with device time in [fromMs, toMs); returns how many.
    /// The household tag is the one the policy in force gives the meter now.</summary>
    public static long Enqueue(string databasePath, long fromMs, long toMs, CancellationToken cancel, IMeterHouseholds? households = null)
    {
        using var read = Open(databasePath, SqliteOpenMode.ReadOnly);
        using var write = Open(databasePath, SqliteOpenMode.ReadWrite);
        using (var busy = write.CreateCommand())
        {
            busy.CommandText = $"PRAGMA busy_timeout={SinkConstants.SqliteBusyTimeoutMs};";
            busy.ExecuteNonQuery();
        }
        var meters = Meters(read);
        (string Meter, long Seq, string Channel) after = ("", long.MinValue, "");
        long total = 0;
        var lines = new List<string>(ChunkRows);
        // Its own builder: the ledger writer's is busy on another thread.
        var builder = new InfluxLineBuilder();
        while (!cancel.IsCancellationRequested)
        {
            lines.Clear();
            using (var cmd = read.CreateCommand())
            {
                // Keyset over the primary key: each chunk resumes where the last ended, whatever commits meanwhile.
                cmd.CommandText = """
                    SELECT meter, seq, channel, reg, usage, flag, ts_ms FROM reading_channels
                    WHERE (meter, seq, channel) > ($m, $s, $c) AND ts_ms >= $from AND ts_ms < $to
                    ORDER BY meter, seq, channel LIMIT $n
                    """;
                cmd.Parameters.AddWithValue("$m", after.Meter);
                cmd.Parameters.AddWithValue("$s", after.Seq);
                cmd.Parameters.AddWithValue("$c", after.Channel);
                cmd.Parameters.AddWithValue("$from", fromMs);
                cmd.Parameters.AddWithValue("$to", toMs);
                cmd.Parameters.AddWithValue("$n", ChunkRows);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    after = (r.GetString(0), r.GetInt64(1), r.GetString(2));
                    // A meter registered after this replay began: read the meters again.
                    if (!meters.TryGetValue(after.Meter, out var meter)) meters = Meters(read);
                    meter = meters[after.Meter];
                    var reading = new Reading(after.Seq, r.GetInt64(6), [], null);
                    var channel = new ChannelRegister(after.Channel, meter.Resource, r.GetInt64(3));
                    lines.Add(builder.For(meter, reading, channel, r.GetInt64(4), r.IsDBNull(5) ? null : r.GetString(5), households?.HouseholdOf(meter.Id)));
                }
            }
            if (lines.Count == 0) break;
            using (var tx = write.BeginTransaction())
            using (var insert = write.CreateCommand())
            {
                insert.Transaction = tx;
                insert.CommandText = "INSERT INTO sink_outbox(line) VALUES ($line)";
                var p = insert.Parameters.Add("$line", SqliteType.Text);
                foreach (var line in lines)
                {
                    p.Value = line;
                    insert.ExecuteNonQuery();
                }
                tx.Commit();
            }
            total += lines.Count;
        }
        cancel.ThrowIfCancellationRequested();
        return total;
    }

    private static Dictionary<string, MeterInfo> Meters(SqliteConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, community, resource FROM meters";
        using var r = cmd.ExecuteReader();
        var meters = new Dictionary<string, MeterInfo>(StringComparer.Ordinal);
        while (r.Read())
        {
            if (!Resources.TryParse(r.GetString(2), out var resource))
                throw new InvalidDataException($"meters row '{r.GetString(0)}' has unknown resource '{r.GetString(2)}'");
            meters[r.GetString(0)] = new MeterInfo(r.GetString(0), r.GetString(1), resource);
        }
        return meters;
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        c.Open();
        return c;
    }
}
