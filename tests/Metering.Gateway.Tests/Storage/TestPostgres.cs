using Commons.Metering.Testing.Servers;

namespace Commons.Metering.Gateway.Tests;

/// <summary>One real PostgreSQL server for the whole test run (started on first use, stopped when the
/// test process exits); every test takes a fresh database of its own, so tests stay independent while
/// paying initdb once.</summary>
internal static class TestPostgres
{
    private static readonly Lazy<Postgres> Server = new(() =>
    {
        var server = Postgres.StartNew();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    });

    public static Postgres Instance => Server.Value;

    public static string CreateDatabase() => Server.Value.CreateDatabase("ledger");
}
