using Commons.Metering.Gateway;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Tests.Scenarios;

/// <summary>The gateway in-process (the same AddMeteringGateway wiring as the executable, without HTTP):
/// embedded broker on a free port, its own data folder, a policy file, and the commons runtime reachable
/// as ICommonsRuntime for the acts a dashboard would call. Restart keeps the data folder and port.</summary>
internal sealed class ScenarioGateway : IAsyncDisposable
{
    private readonly TempDir _dir = new("scenario");
    private IHost? _host;

    private readonly TimeProvider? _time;

    /// <param name="time">The gateway's clock (e.g. a <see cref="ScenarioClock"/>); the system clock by default.</param>
    public ScenarioGateway(string policyYaml, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        _time = time;
        PolicyPath = _dir.File("policy.yaml");
        File.WriteAllText(PolicyPath, policyYaml);
        Settings = new Dictionary<string, string?>
        {
            ["Metering:Broker:Port"] = BrokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Metering:Storage:DataDirectory"] = DataDirectory,
            ["Metering:Storage:Synchronous"] = "Normal",
            ["Metering:Registry:AutoRegister"] = "true",
            ["Metering:Broker:RequireAuthentication"] = "false", // the simulated devices connect anonymously on loopback
            ["Metering:Policy:File"] = PolicyPath,
            // Sped-up device clocks run ahead of the gateway's: keep commands valid for a simulated day.
            ["Metering:Commons:CommandExpirySeconds"] = "86400",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) Settings[k] = v;
    }

    public int BrokerPort { get; } = FreePort.Next();
    public string DataDirectory => Path.Combine(_dir.Path, "data");
    public string PolicyPath { get; }
    public Dictionary<string, string?> Settings { get; }
    public IServiceProvider Services => _host?.Services ?? throw new InvalidOperationException("not started");
    public ICommonsRuntime Runtime => Services.GetRequiredService<ICommonsRuntime>();
    public Commons.Metering.Gateway.Ledger.IStateStore Ledger => Services.GetRequiredService<Commons.Metering.Gateway.Ledger.IStateStore>();
    public string Broker => "127.0.0.1:" + BrokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task StartAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        var policy = new PolicyStore();
        var loaded = policy.TryLoad(PolicyPath);
        if (!loaded.Ok) throw new InvalidOperationException(string.Join("\n", loaded.Errors));
        builder.Services.AddSingleton(policy);
        if (_time is not null) builder.Services.AddSingleton(_time); // before AddMeteringGateway's TryAdd of the system clock
        builder.Services.AddMeteringGateway(builder.Configuration);
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_host is null) return;
        await _host.StopAsync();
        _host.Dispose();
        _host = null;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (bounded by <paramref name="timeout"/> of real time).</summary>
    public static Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout) =>
        Poll.UntilAsync(condition, timeout);

    /// <summary>Usage of one channel in the ledger over all time.</summary>
    public long LedgerUsage(string meter, string channel) =>
        Ledger.Usage(meter, 0, long.MaxValue).SingleOrDefault(c => c.Channel == channel)?.Usage ?? 0;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _dir.Dispose();
    }
}
