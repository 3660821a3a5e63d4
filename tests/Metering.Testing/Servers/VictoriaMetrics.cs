using System.Text.Json;

namespace Commons.Metering.Testing.Servers;

/// <summary>One exported series: its labels (with __name__) and its samples in time order.</summary>
public sealed record VmSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<double> Values,
    IReadOnlyList<long> TimestampsMs)
{
    public string Name => Labels["__name__"];
}

/// <summary>A real VictoriaMetrics (Debian package victoria-metrics, /usr/bin/victoria-metrics) on a
/// free loopback port with a temporary data directory. It accepts the InfluxDB v2 write API
/// (/api/v2/write) that InfluxDB.Client uses, and keeps one sample per series and millisecond
/// (-dedup.minScrapeInterval=1ms), so a point sent twice is stored once, as InfluxDB does.</summary>
public sealed class VictoriaMetrics : IDisposable
{
    public const string DebianPackage = "victoria-metrics";
    private readonly TempDir _dir = new("victoria-metrics");
    private readonly ServerProcess _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private bool _started;

    /// <summary>Prepares a data directory on a fresh port; does not start (see <see cref="Start"/>).</summary>
    public VictoriaMetrics()
    {
        Port = FreePort.Next();
        _process = new ServerProcess("victoria-metrics", "victoria-metrics", DebianPackage,
        [
            "-storageDataPath", Path.Combine(_dir.Path, "data"),
            "-httpListenAddr", $"127.0.0.1:{Port}",
            "-dedup.minScrapeInterval=1ms",
            "-loggerLevel=WARN",
        ], Port, _dir.Path);
        _http.BaseAddress = new Uri(Url);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public string DataDirectory => _dir.Path;

    public bool IsRunning => _process.IsRunning;

    public string Output => _process.Output;

    public static VictoriaMetrics StartNew()
    {
        var server = new VictoriaMetrics();
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
    /// and waits until GET /health answers OK. Throws naming the Debian package if the binary is missing.</summary>
    public void Start(TimeSpan? readyTimeout = null)
    {
        var timeout = readyTimeout ?? TimeSpan.FromSeconds(30);
        if (_started) _process.Restart(timeout);
        else _process.Start(timeout);
        _started = true;
        WaitForHealth(timeout);
    }

    /// <summary>Stops the server gracefully (SIGTERM, then waits for it to exit) so that it writes
    /// what it holds in memory: VictoriaMetrics keeps the last seconds of samples in memory and a
    /// SIGKILL loses them even after /internal/force_flush (seen with 1.79). Falls back to
    /// <see cref="Kill"/> after <paramref name="timeout"/> (default 30 s).</summary>
    public void Stop(TimeSpan? timeout = null) => _process.Terminate(timeout);

    /// <summary>Kills the server (SIGKILL), like a crash: recently ingested samples are lost.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Stops gracefully and starts again on the same port and data directory.</summary>
    public void Restart(TimeSpan? readyTimeout = null)
    {
        Stop();
        Start(readyTimeout);
    }

    /// <summary>GET /internal/force_flush: moves buffered samples toward searchable storage.</summary>
    public async Task ForceFlushAsync()
    {
        using var response = await _http.GetAsync("/internal/force_flush");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Every sample of the series matching a selector, e.g. {__name__=~"reading_.*"}
    /// (GET /api/v1/export, raw samples after deduplication).</summary>
    public async Task<IReadOnlyList<VmSeries>> ExportAsync(string match)
    {
        var url = "/api/v1/export?match[]=" + Uri.EscapeDataString(match);
        using var response = await _http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"victoria-metrics export answered {(int)response.StatusCode}: {body}");
        var series = new List<VmSeries>();
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var labels = root.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var values = root.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var stamps = root.GetProperty("timestamps").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            series.Add(new VmSeries(labels, values, stamps));
        }
        return series;
    }

    /// <summary>Flushes, then exports until at least <paramref name="expectedSamples"/> samples match
    /// or the timeout passes (VictoriaMetrics makes freshly flushed samples searchable within about a
    /// second); returns the last export either way, for the test to check exactly.</summary>
    public async Task<IReadOnlyList<VmSeries>> WaitForSamplesAsync(string match, int expectedSamples, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            await ForceFlushAsync();
            var series = await ExportAsync(match);
            if (series.Sum(s => s.Values.Count) >= expectedSamples || DateTime.UtcNow >= deadline) return series;
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        _process.Dispose();
        _http.Dispose();
        _dir.Dispose();
    }

    private void WaitForHealth(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (!_process.IsRunning)
                throw new InvalidOperationException($"victoria-metrics exited before answering /health:\n{Output}");
            try
            {
                using var response = _http.GetAsync("/health").GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode) return;
                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"victoria-metrics /health did not answer within {timeout} ({last}):\n{Output}");
    }
}
