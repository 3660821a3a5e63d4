using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Commons.Metering.Testing.Servers;

/// <summary>A real InfluxDB 1.x (Debian package influxdb, /usr/bin/influxd) on free loopback ports
/// with a temporary config and data directory. Stop and Start keep the port and the data, so a
/// test can take the database away and bring it back.</summary>
public sealed class Influxd : IDisposable
{
    public const string DebianPackage = "influxdb";
    private readonly TempDir _dir = new("influxd");
    private readonly ServerProcess _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private bool _started;

    /// <summary>Prepares config and directories on fresh ports; does not start (see <see cref="Start"/>).</summary>
    public Influxd()
    {
        Port = FreePort.Next();
        RpcPort = FreePort.Next();
        var config = _dir.File("influxd.conf");
        File.WriteAllText(config, Config(_dir.Path, Port, RpcPort));
        _process = new ServerProcess("influxd", "influxd", DebianPackage, ["-config", config], Port, _dir.Path);
        _http.BaseAddress = new Uri(Url);
    }

    /// <summary>HTTP API port (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>RPC (backup/restore) port, moved off its default 8088 so parallel tests do not clash.</summary>
    public int RpcPort { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public string DataDirectory => _dir.Path;

    public bool IsRunning => _process.IsRunning;

    /// <summary>influxd's output so far, for failure messages.</summary>
    public string Output => _process.Output;

    /// <summary>Creates and starts a server; disposes it if it does not come up.</summary>
    public static Influxd StartNew()
    {
        var server = new Influxd();
        try
        {
            server.Start();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Starts (or starts again after <see cref="Stop"/>) on the same port and data directory
    /// and waits until GET /ping answers 204. Throws naming the Debian package if influxd is missing.</summary>
    public void Start(TimeSpan? readyTimeout = null)
    {
        var timeout = readyTimeout ?? TimeSpan.FromSeconds(30);
        if (_started) _process.Restart(timeout);
        else _process.Start(timeout);
        _started = true;
        WaitForPing(timeout);
    }

    /// <summary>Kills influxd (SIGKILL, like a crash or power cut; its WAL is fsynced before a write
    /// is acknowledged, so acknowledged points survive).</summary>
    public void Stop() => _process.Kill();

    public void Restart(TimeSpan? readyTimeout = null)
    {
        Stop();
        Start(readyTimeout);
    }

    public Task CreateDatabaseAsync(string database) =>
        QueryAsync(null, $"CREATE DATABASE \"{database}\"");

    /// <summary>Runs InfluxQL through POST /query and returns the "results" array; throws with the
    /// server's message on any error.</summary>
    public async Task<JsonElement> QueryAsync(string? database, string influxQl)
    {
        var form = new Dictionary<string, string> { ["q"] = influxQl, ["epoch"] = "ms" };
        if (database is not null) form["db"] = database;
        using var response = await _http.PostAsync("/query", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"influxd /query answered {(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        var results = doc.RootElement.GetProperty("results").Clone();
        foreach (var r in results.EnumerateArray())
            if (r.TryGetProperty("error", out var error))
                throw new InvalidOperationException($"influxd query '{influxQl}' failed: {error.GetString()}");
        return results;
    }

    /// <summary>The rows (values arrays) of every series of the first statement; columns as in the
    /// query, the first being time in ms.</summary>
    public async Task<IReadOnlyList<JsonElement[]>> QueryRowsAsync(string database, string influxQl)
    {
        var results = await QueryAsync(database, influxQl);
        var rows = new List<JsonElement[]>();
        var first = results[0];
        if (!first.TryGetProperty("series", out var series)) return rows;
        foreach (var s in series.EnumerateArray())
            foreach (var v in s.GetProperty("values").EnumerateArray())
                rows.Add(v.EnumerateArray().ToArray());
        return rows;
    }

    public void Dispose()
    {
        _process.Dispose();
        _http.Dispose();
        _dir.Dispose();
    }

    private void WaitForPing(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (!_process.IsRunning)
                throw new InvalidOperationException($"influxd exited before answering /ping:\n{Output}");
            try
            {
                using var response = _http.GetAsync("/ping").GetAwaiter().GetResult();
                if ((int)response.StatusCode == 204) return;
                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"influxd /ping did not answer 204 within {timeout} ({last}):\n{Output}");
    }

    private static string Config(string dir, int httpPort, int rpcPort)
    {
        static string Q(string path) => "\"" + path.Replace("\\", "\\\\", StringComparison.Ordinal) + "\"";
        var sb = new StringBuilder();
        sb.AppendLine("reporting-disabled = true");
        sb.AppendLine(CultureInfo.InvariantCulture, $"bind-address = \"127.0.0.1:{rpcPort}\"");
        sb.AppendLine("[meta]");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  dir = {Q(Path.Combine(dir, "meta"))}");
        sb.AppendLine("[data]");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  dir = {Q(Path.Combine(dir, "data"))}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  wal-dir = {Q(Path.Combine(dir, "wal"))}");
        sb.AppendLine("  query-log-enabled = false");
        sb.AppendLine("[retention]\n  enabled = false");
        sb.AppendLine("[shard-precreation]\n  enabled = false");
        sb.AppendLine("[monitor]\n  store-enabled = false");
        sb.AppendLine("[subscriber]\n  enabled = false");
        sb.AppendLine("[continuous_queries]\n  enabled = false");
        sb.AppendLine("[http]");
        sb.AppendLine("  enabled = true");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  bind-address = \"127.0.0.1:{httpPort}\"");
        sb.AppendLine("  log-enabled = false");
        return sb.ToString();
    }
}
