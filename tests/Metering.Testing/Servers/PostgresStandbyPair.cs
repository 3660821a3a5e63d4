using System.Globalization;
using Npgsql;

namespace Commons.Metering.Testing.Servers;

/// <summary>A real PostgreSQL primary with a synchronous streaming standby (Debian package 'postgresql'),
/// each on its own free loopback port, both clusters in one temporary folder: the same layout as
/// tools/cluster.sh. The standby is cloned with pg_basebackup -R and named 'standby' in
/// synchronous_standby_names, so a commit returns only once the standby holds its WAL. The standby's own
/// settings do not name a synchronous standby: once promoted it commits alone, as the only server left.
/// As root, every program runs as the package's 'postgres' user through setpriv(1) (see
/// <see cref="Postgres"/>). <see cref="KillPrimary"/> is a machine's death (SIGKILL of the postmaster and
/// its backends); <see cref="PromoteStandby"/> is what an operator or a failover manager then does.</summary>
public sealed class PostgresStandbyPair : IDisposable
{
    public const string StandbyName = "standby";
    private const string SystemUser = "postgres";
    private readonly TempDir _dir = new("postgres-pair");
    private readonly string _bin = Postgres.BinDirectory();
    private readonly bool _asRoot = Environment.UserName == "root";
    private readonly ServerProcess _primary;
    private readonly ServerProcess _standby;
    private System.Diagnostics.Process? _watchdog;

    private PostgresStandbyPair()
    {
        PrimaryPort = FreePort.Next();
        StandbyPort = FreePort.Next();
        if (_asRoot) Check(Command.Run("/bin/chown", "-R", $"{SystemUser}:{SystemUser}", _dir.Path), "chown of the cluster folder");
        Check(Run("initdb", "-D", PrimaryData, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync"), "initdb");
        // fsync=off as in Postgres (the tests kill processes, never the machine); replication settings as
        // in tools/cluster.sh. synchronous_standby_names only on the primary's command line, so the clone
        // does not inherit it.
        _primary = Server("postgres-primary", PrimaryData, PrimaryPort,
            "-c", "wal_level=replica", "-c", "max_wal_senders=5", "-c", $"synchronous_standby_names={StandbyName}", "-c", "synchronous_commit=on");
        _standby = Server("postgres-standby", StandbyData, StandbyPort);
    }

    public int PrimaryPort { get; }

    public int StandbyPort { get; }

    private string PrimaryData => Path.Combine(_dir.Path, "primary");

    private string StandbyData => Path.Combine(_dir.Path, "standby");

    public string Output => $"{_primary.Output}\n{_standby.Output}";

    /// <summary>Creates both servers, the standby streaming synchronously; disposes them if that fails.</summary>
    public static PostgresStandbyPair StartNew()
    {
        var pair = new PostgresStandbyPair();
        try
        {
            pair.Start();
            return pair;
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    private void Start()
    {
        _primary.Start();
        WaitUntilAcceptingConnections(PrimaryPort);
        StartWatchdog();
        Check(Run("pg_basebackup", "-h", "127.0.0.1", "-p", Port(PrimaryPort), "-U", "postgres", "-D", StandbyData, "-R", "--wal-method=stream"), "pg_basebackup");
        // -R wrote primary_conninfo into postgresql.auto.conf, which wins over postgresql.conf; a later line
        // there names the standby as synchronous_standby_names expects (else every commit would wait).
        File.AppendAllText(Path.Combine(StandbyData, "postgresql.auto.conf"),
            $"primary_conninfo = 'host=127.0.0.1 port={PrimaryPort} user=postgres application_name={StandbyName}'\n");
        _standby.Start();
        WaitUntilAcceptingConnections(StandbyPort);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (ReplicationState() != "sync")
        {
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"the standby did not stream synchronously within 30 s\n{Output}");
            Thread.Sleep(50);
        }
    }

    /// <summary>The multi-host connection string a gateway uses: whichever server is primary now, the
    /// other's state rechecked every second (Npgsql's default, 10 s, would add that to a failover).</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1:{PrimaryPort},127.0.0.1:{StandbyPort};Username=postgres;Database={database};Target Session Attributes=primary;Host Recheck Seconds=1";

    public string PrimaryConnectionString(string database) => Single(PrimaryPort, database);

    public string StandbyConnectionString(string database) => Single(StandbyPort, database);

    private static string Single(int port, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = port, Username = "postgres", Database = database, Pooling = false,
    }.ToString();

    /// <summary>A fresh database on the primary (replicated to the standby); returns its name.</summary>
    public string CreateDatabase(string name)
    {
        using var c = new NpgsqlConnection(PrimaryConnectionString("postgres"));
        c.Open();
        using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", c);
        cmd.ExecuteNonQuery();
        return name;
    }

    /// <summary>The standby's sync_state as the primary reports it (pg_stat_replication): "sync" when
    /// every commit waits for it, null while it is not connected.</summary>
    public string? ReplicationState()
    {
        using var c = new NpgsqlConnection(PrimaryConnectionString("postgres"));
        c.Open();
        using var cmd = new NpgsqlCommand($"SELECT sync_state FROM pg_stat_replication WHERE application_name = '{StandbyName}'", c);
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>SIGSTOP of the standby's WAL receiver (pg_stat_wal_receiver): the standby falls behind, as
    /// over a slow link. With synchronous replication the primary's commits wait meanwhile; returns its pid
    /// for <see cref="DropReceivedWal"/>.</summary>
    public int PauseReplication()
    {
        using var c = new NpgsqlConnection(StandbyConnectionString("postgres"));
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT pid FROM pg_stat_wal_receiver", c);
        var pid = cmd.ExecuteScalar() as int? ?? throw new InvalidOperationException($"the standby has no WAL receiver\n{Output}");
        Check(Command.Run("/bin/kill", "-STOP", Port(pid)), "kill -STOP of the WAL receiver");
        return pid;
    }

    /// <summary>SIGKILL of the paused WAL receiver: the WAL the primary sent meanwhile, still in the
    /// receiver's socket buffer, never reaches the standby's disk (as with a link that died with the
    /// primary). The standby's postmaster restarts its processes and recovers from its own WAL; returns
    /// once it accepts connections again.</summary>
    public void DropReceivedWal(int walReceiverPid)
    {
        Check(Command.Run("/bin/kill", "-KILL", Port(walReceiverPid)), "kill -KILL of the WAL receiver");
        Thread.Sleep(200); // the postmaster notices its child's death asynchronously (SIGCHLD)
        WaitUntilAcceptingConnections(StandbyPort);
    }

    /// <summary>SIGKILL of the primary's postmaster and every backend: nothing of it answers any more.</summary>
    public void KillPrimary() => _primary.Kill();

    /// <summary>pg_ctl promote of the standby, waiting (-w) until it accepts writes.</summary>
    public void PromoteStandby() =>
        Check(Run("pg_ctl", "promote", "-w", "-t", "30", "-D", StandbyData), "pg_ctl promote");

    private ServerProcess Server(string name, string data, int port, params string[] extra)
    {
        // As in Postgres: loopback only, the Unix socket in the private folder, fsync off.
        string[] args = ["-D", data, "-p", Port(port), "-c", "listen_addresses=127.0.0.1", "-c", $"unix_socket_directories={_dir.Path}",
            "-c", "max_connections=200", "-c", "fsync=off", .. extra];
        return _asRoot
            ? new ServerProcess(name, "/usr/bin/setpriv", Postgres.DebianPackage, [.. AsPostgres, Path.Combine(_bin, "postgres"), .. args], port, _dir.Path)
            : new ServerProcess(name, Path.Combine(_bin, "postgres"), Postgres.DebianPackage, args, port, _dir.Path);
    }

    private static string[] AsPostgres => ["--reuid", SystemUser, "--regid", SystemUser, "--init-groups", "--"];

    private (int Code, string Output) Run(string program, params string[] args) => _asRoot
        ? Command.Run("/usr/bin/setpriv", [.. AsPostgres, Path.Combine(_bin, program), .. args])
        : Command.Run(Path.Combine(_bin, program), args);

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The port opens before recovery ends (57P03): wait for a connection that works.</summary>
    private static void WaitUntilAcceptingConnections(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var c = new NpgsqlConnection(Single(port, "postgres"));
                c.Open();
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CannotConnectNow && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>As in Postgres: once the test process is gone, kill both postmasters and remove the folder.</summary>
    private void StartWatchdog()
    {
        var script = $"while [ -d /proc/{Environment.ProcessId} ]; do sleep 1; done; " +
                     $"for d in '{PrimaryData}' '{StandbyData}'; do pid=$(head -n1 \"$d/postmaster.pid\" 2>/dev/null) && kill -9 \"$pid\" 2>/dev/null; done; rm -rf '{_dir.Path}'";
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        _watchdog = System.Diagnostics.Process.Start(psi);
    }

    private static void Check((int Code, string Output) run, string what)
    {
        if (run.Code != 0) throw new InvalidOperationException($"{what} failed with exit code {run.Code}:\n{run.Output}");
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        _standby?.Dispose();
        _primary?.Dispose();
        try { _watchdog?.Kill(); } catch (InvalidOperationException) { }
        _watchdog?.Dispose();
        _dir.Dispose();
    }
}
