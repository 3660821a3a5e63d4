using Npgsql;

namespace Commons.Metering.Testing.Servers;

/// <summary>A real PostgreSQL (Debian package 'postgresql', initdb and postgres under
/// /usr/lib/postgresql/{major}/bin) on a free loopback port, its cluster in a temporary folder.
/// Trust authentication (initdb --auth=trust) is safe here because the server listens on 127.0.0.1
/// only and its Unix socket lives in the private temporary folder. PostgreSQL refuses to run as root
/// (postgres(1)); when the tests run as root (CI does), initdb and postgres run as the package's
/// 'postgres' system user through setpriv(1), which execs in place, so the process the test kills is
/// the postmaster itself. <see cref="CreateDatabase"/> hands each test a database of its own.</summary>
public sealed class Postgres : IDisposable
{
    public const string DebianPackage = "postgresql";
    private const string SystemUser = "postgres";
    private readonly TempDir _dir = new("postgres");
    private readonly ServerProcess _process;
    private readonly string _dataDirectory;
    private System.Diagnostics.Process? _watchdog;
    private int _databases;

    private Postgres()
    {
        Port = FreePort.Next();
        var bin = BinDirectory();
        var data = _dataDirectory = Path.Combine(_dir.Path, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot) Check(Command.Run("/bin/chown", "-R", $"{SystemUser}:{SystemUser}", _dir.Path), "chown of the cluster folder");
        string[] prefix = asRoot ? ["--reuid", SystemUser, "--regid", SystemUser, "--init-groups", "--"] : [];
        var launcher = asRoot ? "/usr/bin/setpriv" : null;

        var initdb = launcher is null
            ? Command.Run(Path.Combine(bin, "initdb"), "-D", data, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync")
            : Command.Run(launcher, [.. prefix, Path.Combine(bin, "initdb"), "-D", data, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync"]);
        Check(initdb, "initdb");

        // listen_addresses: loopback only; unix_socket_directories: the private folder (the package's
        // /var/run/postgresql may not exist or belong to another cluster). fsync=off: the tests kill
        // processes, never the machine, and what a killed postmaster wrote is in the kernel's page cache
        // either way (https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-FSYNC); on a
        // shared test machine each commit's flush to disk cost more than the statements themselves.
        // synchronous_commit stays on: a commit still returns only once its WAL is written.
        string[] serverArgs = ["-D", data, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", $"unix_socket_directories={_dir.Path}", "-c", "max_connections=200", "-c", "fsync=off"];
        _process = launcher is null
            ? new ServerProcess("postgres", Path.Combine(bin, "postgres"), DebianPackage, serverArgs, Port, _dir.Path)
            : new ServerProcess("postgres", launcher, DebianPackage, [.. prefix, Path.Combine(bin, "postgres"), .. serverArgs], Port, _dir.Path);
    }

    public int Port { get; }

    public string Output => _process.Output;

    /// <summary>Connection string of the server's own 'postgres' database (for administration).</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = true,
    }.ToString();

    /// <summary>Creates and starts a server; disposes it if it does not come up.</summary>
    public static Postgres StartNew()
    {
        var server = new Postgres();
        try
        {
            server._process.Start();
            server.WaitUntilAcceptingConnections();
            server.StartWatchdog();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>A fresh empty database on this server; returns its connection string.</summary>
    public string CreateDatabase(string prefix = "t")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}";
        using var c = new NpgsqlConnection(AdminConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"CREATE DATABASE \"{name}\"";
        cmd.ExecuteNonQuery();
        return ConnectionString(name);
    }

    /// <summary>SIGKILL of the postmaster, then a start on the same port and data folder; returns once
    /// crash recovery is over and the server accepts connections.</summary>
    public void Restart()
    {
        _process.Restart();
        WaitUntilAcceptingConnections();
    }

    /// <summary>The port opens before recovery ends ("the database system is starting up", 57P03):
    /// wait for a connection that works.</summary>
    private void WaitUntilAcceptingConnections()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false };
        while (true)
        {
            try
            {
                using var c = new NpgsqlConnection(builder.ToString());
                c.Open();
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CannotConnectNow && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Kill() => _process.Kill();

    /// <summary>A server shared by a whole test run is disposed when the test process exits, but the test
    /// host can be ended without running exit handlers, and a postmaster outlives its parent: a small shell
    /// polls for the test process once a second and, once it is gone, kills the postmaster of the moment
    /// (postmaster.pid, so after a Restart too) and removes the folder.</summary>
    private void StartWatchdog()
    {
        var script = $"while [ -d /proc/{Environment.ProcessId} ]; do sleep 1; done; " +
                     $"pid=$(head -n1 '{_dataDirectory}/postmaster.pid' 2>/dev/null) && kill -9 \"$pid\" 2>/dev/null; rm -rf '{_dir.Path}'";
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        _watchdog = System.Diagnostics.Process.Start(psi);
    }

    /// <summary>The newest installed major version's bin folder, or a clear exception naming the package.</summary>
    public static string BinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var found = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Dir: d, Major: int.TryParse(Path.GetFileName(d), out var m) ? m : -1))
                .Where(d => d.Major >= 0 && File.Exists(Path.Combine(d.Dir, "bin", "postgres")))
                .OrderByDescending(d => d.Major).FirstOrDefault().Dir
            : null;
        return found is null
            ? throw new InvalidOperationException(
                $"PostgreSQL was not found under {root}/*/bin. Install the Debian package '{DebianPackage}' " +
                $"(sudo apt-get install {DebianPackage}) or run tools/test.sh, which installs it.")
            : Path.Combine(found, "bin");
    }

    private static void Check((int Code, string Output) run, string what)
    {
        if (run.Code != 0) throw new InvalidOperationException($"{what} failed with exit code {run.Code}:\n{run.Output}");
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        _process?.Dispose();
        try { _watchdog?.Kill(); } catch (InvalidOperationException) { }
        _watchdog?.Dispose();
        _dir.Dispose();
    }
}
