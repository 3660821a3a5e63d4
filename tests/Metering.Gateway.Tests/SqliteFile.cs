using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests;

/// <summary>Looks into a SQLite file as the schema-upgrade tests need: one connection per call,
/// unpooled, so the file is closed again when the gateway's store opens it.</summary>
internal static class SqliteFile
{
    public static SqliteConnection Open(string path)
    {
        var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        return c;
    }

    public static string Scalar(string path, string sql)
    {
        using var c = Open(path);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }

    public static void Exec(string path, string sql)
    {
        using var c = Open(path);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Every table's columns (name, type, not null, default, key position) as SQLite reports
    /// them, and with <paramref name="indexes"/> every index's name.</summary>
    public static string Shape(string path, bool indexes) => Scalar(path, $"""
        SELECT group_concat(t.name || '.' || c.name || ':' || c.type || ':' || c."notnull" || ':' || ifnull(c.dflt_value, '') || ':' || c.pk, '|')
          {(indexes ? "|| '#' || (SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name))" : "")}
        FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name) t, pragma_table_info(t.name) c
        """);

    /// <summary>Every row of every table, in a stable order: equal dumps mean equal contents.</summary>
    public static string Dump(string path)
    {
        using var c = Open(path);
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        var sb = new StringBuilder();
        foreach (var t in tables)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{t}\" ORDER BY 1, 2";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                sb.Append(t);
                for (var i = 0; i < r.FieldCount; i++) sb.Append('|').Append(r.IsDBNull(i) ? "NULL" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture));
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }
}
