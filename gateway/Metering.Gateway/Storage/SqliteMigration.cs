using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Storage;

/// <summary>One numbered step of a SQLite database's schema: it takes a file at version
/// <see cref="Version"/> - 1 to <see cref="Version"/>, inside the migration's transaction.</summary>
/// <param name="Version">The version the step leads to (1 for the first, which creates the first shape).</param>
/// <param name="Why">What changes and why, for the log and for whoever reads the list.</param>
/// <param name="Apply">Runs the step on the connection, inside the transaction given.</param>
internal sealed record SqliteMigration(int Version, string Why, Action<SqliteConnection, SqliteTransaction> Apply)
{
    /// <summary>A step that is one SQL script.</summary>
    public static SqliteMigration Sql(int version, string why, string sql) =>
        new(version, why, (c, tx) => SqliteMigrator.Execute(c, tx, sql));
}

/// <summary>Every step of one database, in order; its last step's number is the database's version.</summary>
internal sealed class SqliteSchemaPlan
{
    public SqliteSchemaPlan(string database, IReadOnlyList<SqliteMigration> steps)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0) throw new ArgumentException($"{database}: a schema needs at least one step", nameof(steps));
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Version != i + 1)
                throw new ArgumentException($"{database}: step {i + 1} is numbered {steps[i].Version}; steps run 1, 2, 3... without gaps", nameof(steps));
        }
        Database = database;
        Steps = steps;
    }

    /// <summary>The file's name, for messages.</summary>
    public string Database { get; }

    public IReadOnlyList<SqliteMigration> Steps { get; }

    /// <summary>The version a file has once every step ran.</summary>
    public int Version => Steps.Count;
}
