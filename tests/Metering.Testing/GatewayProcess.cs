namespace Commons.Metering.Testing;

/// <summary>The BUILT gateway (gateway/Metering.Gateway/bin/{Configuration}/net10.0/Metering.Gateway.dll,
/// or with the simulated fleet gateway/Metering.Gateway.Demo/...) run as a real process with `dotnet`, on free loopback ports and a temporary data directory.
/// Start() waits for /healthz; Kill() is SIGKILL (a crash), Restart() starts it again on the same
/// ports and data. Output (stdout + stderr) is kept for failure messages.
/// Usage:
///   using var gw = new GatewayProcess();                        // embedded broker, fresh data dir
///   gw.Environment["Metering__Registry__AutoRegister"] = "true"; // any extra setting
///   gw.Start();
///   ... MQTT to 127.0.0.1:gw.BrokerPort, HTTP to gw.BaseUrl ...</summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly TempDir? _ownedDataDir;
    private readonly ServerProcess _process;

    /// <param name="arguments">Command-line arguments after the dll (e.g. <c>--demo</c>, with <paramref name="demo"/>).</param>
    /// <param name="demo">run the gateway with the simulated fleet (<see cref="DemoDll"/>) instead of the gateway as it ships.</param>
    public GatewayProcess(string? dataDirectory = null, int? brokerPort = null, int? httpPort = null, IReadOnlyList<string>? arguments = null, bool demo = false)
    {
        if (dataDirectory is null) _ownedDataDir = new TempDir("gateway");
        DataDirectory = dataDirectory ?? _ownedDataDir!.Path;
        BrokerPort = brokerPort ?? FreePort.Next();
        HttpPort = httpPort ?? FreePort.Next();
        Environment["Metering__Broker__Port"] = BrokerPort.ToString();
        Environment["Metering__Http__Port"] = HttpPort.ToString();
        Environment["Metering__Storage__DataDirectory"] = DataDirectory;
        Environment["DOTNET_ENVIRONMENT"] = "Production";
        // The one opt-out of the field default (broker authentication on) for every test and bench that
        // runs the gateway process: their clients connect anonymously on loopback. Tests of the broker's
        // authentication set it to "true", tests of the default remove it.
        Environment["Metering__Broker__RequireAuthentication"] = "false";
        // Readiness is /healthz (WaitHealthy), not the port: the gateway listens before its ledger is open.
        _process = new ServerProcess("gateway", "dotnet", "dotnet-sdk-10.0", [demo ? DemoDll : GatewayDll, .. arguments ?? []], HttpPort, DataDirectory, Environment);
    }

    /// <summary>Embedded mode: where the gateway's broker listens. External mode: set
    /// Environment["Metering__Broker__Port"] to the external broker's port instead.</summary>
    public int BrokerPort { get; }
    public int HttpPort { get; }
    public string DataDirectory { get; }
    public Uri BaseUrl => new($"http://127.0.0.1:{HttpPort}/");

    /// <summary>Environment of the process (Metering__* settings); change before Start/Restart.</summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>();

    public bool HasExited => _process.HasExited;
    public int? Pid => _process.Pid;
    public int ExitCode => _process.ExitCode;

    public string Output => _process.Output;

    /// <summary>The gateway dll of the same build configuration as the calling test assembly, found
    /// by walking up to the folder that holds Metering.sln.</summary>
    public static string GatewayDll => BuiltDll("Metering.Gateway");

    /// <summary>The gateway with the simulated fleet (gateway/Metering.Gateway.Demo), built like <see cref="GatewayDll"/>.</summary>
    public static string DemoDll => BuiltDll("Metering.Gateway.Demo");

    private static string BuiltDll(string project)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = RepoPaths.Of("gateway", project, "bin", configuration, "net10.0", project + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build it first (dotnet build gateway/{project}): {dll} is missing", dll);
        return dll;
    }

    /// <summary>Starts the process and waits until /healthz answers 200.</summary>
    public void Start(TimeSpan? readyTimeout = null)
    {
        _process.Launch();
        WaitHealthy(readyTimeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts the process and waits for it to exit (for start-up failures); returns the exit code.</summary>
    public int RunToExit(TimeSpan? timeout = null)
    {
        _process.Launch();
        if (!_process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            Kill();
            throw new TimeoutException($"gateway did not exit:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as systemd or an operator stops it; true when it exited within the timeout.</summary>
    public bool Terminate(TimeSpan? timeout = null) => _process.Terminate(timeout);

    /// <summary>Starts it again after <see cref="Terminate"/> or <see cref="Kill"/>, on the same ports and data.</summary>
    public void StartAgain(TimeSpan? readyTimeout = null) => Start(readyTimeout);

    /// <summary>SIGKILL: no shutdown code runs, like a crash or a power cut of the process.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Kills the process and starts it again on the same ports and data.</summary>
    public void Restart(TimeSpan? readyTimeout = null)
    {
        Kill();
        Start(readyTimeout);
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _process.Dispose();
        _ownedDataDir?.Dispose();
    }

    private void WaitHealthy(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"gateway exited with code {_process.ExitCode} before it was healthy:\n{Output}");
            try
            {
                using var response = http.GetAsync("healthz").GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"gateway not healthy at {BaseUrl}healthz within {timeout}:\n{Output}");
    }
}
