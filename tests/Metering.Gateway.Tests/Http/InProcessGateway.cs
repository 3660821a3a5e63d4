using System.Net;
using System.Net.Http.Headers;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Tests.Http;

/// <summary>The gateway in this process with its HTTP API (the wiring of GatewayHost.RunAsync:
/// AddMeteringGateway, sign-in, the meter and commission endpoints) on free loopback ports, the
/// embedded broker, a temporary data folder. Accounts are made in its AccountStore directly.</summary>
internal sealed class InProcessGateway : IAsyncDisposable
{
    private readonly TempDir _dir = new("gateway-http");
    private WebApplication? _app;

    public int BrokerPort { get; } = FreePort.Next();
    public int HttpPort { get; } = FreePort.Next();
    public string DataDirectory => Path.Combine(_dir.Path, "data");
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("not started");
    public IStateStore Store => Services.GetRequiredService<IStateStore>();

    public async Task StartAsync(IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = _dir.Path, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Metering:Broker:Port"] = BrokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Metering:Storage:DataDirectory"] = DataDirectory,
            ["Metering:Storage:Synchronous"] = "Normal",
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error); // keys in the temporary folder, unencrypted: expected here
        var policy = new PolicyStore();
        if (builder.Configuration["Metering:Policy:File"] is { } file) Assert.True(policy.TryLoad(file).Ok, $"policy {file} did not load");
        builder.Services.AddSingleton(policy);
        builder.Services.AddMeteringGateway(builder.Configuration);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, HttpPort));
        _app = builder.Build();
        _app.MapGatewayEndpoints($"http://127.0.0.1:{HttpPort}");
        await _app.StartAsync();
    }

    /// <summary>A new account of that role and an API token for it.</summary>
    public string Token(string name, Role role)
    {
        var store = Services.GetRequiredService<AccountStore>();
        Assert.True(store.Add(name, role, household: null, password: null).Ok);
        return store.AddToken(name, "test", TimeSpan.FromDays(90)).Secret!;
    }

    public HttpClient Client(string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}/"), Timeout = TimeSpan.FromSeconds(90) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
