using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Tests.Options;

/// <summary>Storage:Provider and Storage:ConnectionString: clear messages, and never the connection
/// string itself (it may hold a password).</summary>
public sealed class StorageOptionsTests
{
    private static List<string> Errors(params (string Key, string Value)[] settings)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("Metering:Storage:" + s.Key, s.Value)))
            .Build();
        var options = config.GetSection(GatewayDefaults.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        return GatewayOptionsValidator.Errors(options).ToList();
    }

    [Fact]
    public void Postgres_WithAHostAndADatabase_IsValid_SeveralHostsToo() =>
        Assert.Empty(Errors(("Provider", "Postgres"), ("ConnectionString", "Host=db1:5432,db2:5432;Database=metering;Username=metering;Target Session Attributes=primary")));

    [Fact]
    public void Postgres_WithoutAConnectionString_NamesTheSettingAndItsEnvironmentVariable()
    {
        var e = Assert.Single(Errors(("Provider", "Postgres")));
        Assert.StartsWith("Metering:Storage:ConnectionString must name the PostgreSQL database when Storage:Provider is Postgres", e, StringComparison.Ordinal);
        Assert.Contains("Metering__Storage__ConnectionString", e, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Database=metering;Password=hunter2", "must name a Host")]
    [InlineData("Host=db1;Password=hunter2", "must name a Database")]
    [InlineData("Host=db1;Database=metering;Password=hunter2;Colour=blue", "is not a valid Npgsql connection string")]
    public void Postgres_WithABadConnectionString_SaysWhat_WithoutShowingThePassword(string connectionString, string rule)
    {
        var e = Assert.Single(Errors(("Provider", "Postgres"), ("ConnectionString", connectionString)));
        Assert.StartsWith("Metering:Storage:ConnectionString " + rule, e, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_WithAPolicyFile_IsAccepted_ThePolicyStateLivesInTheDatabaseToo()
    {
        var policy = Path.GetTempFileName();
        try
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Metering:Storage:Provider"] = "Postgres",
                ["Metering:Storage:ConnectionString"] = "Host=db1;Database=metering",
                ["Metering:Policy:File"] = policy,
            }).Build();
            var options = config.GetSection(GatewayDefaults.Section).Get<GatewayOptions>()!;
            Assert.Empty(GatewayOptionsValidator.Errors(options));
        }
        finally
        {
            File.Delete(policy);
        }
    }

    [Fact]
    public void Sqlite_WithAConnectionString_IsRefused_SoNoOneBelievesTheLedgerIsInPostgres()
    {
        var e = Assert.Single(Errors(("ConnectionString", "Host=db1;Database=metering")));
        Assert.StartsWith("Metering:Storage:ConnectionString applies to Storage:Provider Postgres only", e, StringComparison.Ordinal);
    }
}

/// <summary>The start-up log says where the ledger is, never its password.</summary>
public sealed class StorageConnectionStringLogTests
{
    [Fact]
    public void TheEffectiveConfiguration_ShowsHostAndDatabase_AndMasksThePassword()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Metering:Storage:Provider"] = "Postgres",
            ["Metering:Storage:ConnectionString"] = "Host=db1,db2;Database=metering;Username=metering;Password=hunter2",
        }).Build();
        var options = config.GetSection(GatewayDefaults.Section).Get<GatewayOptions>()!;
        var log = EffectiveConfiguration.Describe(options, config);
        Assert.DoesNotContain("hunter2", log, StringComparison.Ordinal);
        Assert.Contains("Metering:Storage:ConnectionString = Host=db1,db2;Database=metering;Username=metering;Password=***", log, StringComparison.Ordinal);
    }
}
