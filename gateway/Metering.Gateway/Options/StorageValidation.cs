namespace Commons.Metering.Gateway.Options;

/// <summary>The storage provider's own settings. The connection string may hold a password: the
/// messages name the setting and what is wrong, never its value.</summary>
internal static class StorageValidation
{
    private const string Key = "Storage:ConnectionString";

    public static IEnumerable<string> Errors(StorageOptions o)
    {
        if (!Enum.IsDefined(o.Provider))
        {
            yield return GatewayOptionsValidator.Field("Storage:Provider", "must be Sqlite or Postgres", o.Provider);
            yield break;
        }
        if (o.Provider == StorageProvider.Sqlite)
        {
            if (!string.IsNullOrWhiteSpace(o.ConnectionString))
                yield return Message("applies to Storage:Provider Postgres only; the SQLite files live in Storage:DataDirectory");
            yield break;
        }
        if (string.IsNullOrWhiteSpace(o.ConnectionString))
        {
            yield return Message("must name the PostgreSQL database when Storage:Provider is Postgres (e.g. Host=127.0.0.1;Port=5432;Database=metering;Username=metering)");
            yield break;
        }
        string? problem = null;
        try
        {
            var b = new Npgsql.NpgsqlConnectionStringBuilder(o.ConnectionString);
            if (string.IsNullOrWhiteSpace(b.Host)) problem = "must name a Host (several hosts are separated by commas)";
            else if (string.IsNullOrWhiteSpace(b.Database)) problem = "must name a Database";
        }
        catch (ArgumentException e)
        {
            problem = $"is not a valid Npgsql connection string ({e.Message.Split('\n')[0]})";
        }
        if (problem is not null) yield return Message(problem);
    }

    /// <summary>The connection string for the start-up log: hosts, database and user stay (they say
    /// where the ledger is), a password is masked; one that does not parse is masked whole.</summary>
    public static string? ForLog(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString)) return null;
        try
        {
            var b = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            if (!string.IsNullOrEmpty(b.Password)) b.Password = EffectiveConfiguration.Mask;
            return b.ToString();
        }
        catch (ArgumentException)
        {
            return EffectiveConfiguration.Mask;
        }
    }

    private static string Message(string rule) =>
        $"{GatewayDefaults.Section}:{Key} {rule}; set it in appsettings.json or as {GatewayDefaults.Section}__Storage__ConnectionString (its value is not shown: it may hold a password).";
}
