using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Commons.Metering.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Dashboard.Tests;

/// <summary>The real gateway process with the dashboard test policy (policies/dashboard.yaml), its
/// demo accounts (Metering:Auth:DemoAccounts: passwords read from the start-up lines, as a person
/// would) and optionally a few simulated meters. Clients sign in like a browser (cookie) or a script
/// (bearer token); <see cref="PublishReadingAsync"/> is a device on the wire (MQTT QoS 1).</summary>
public partial class DashboardGateway : IDisposable
{
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);
    private IMqttClient? _mqtt;

    /// <param name="policyFile">a file of policies/ other than dashboard.yaml (with <paramref name="policy"/>).</param>
    /// <param name="environment">further gateway settings, e.g. an InfluxDB sink.</param>
    /// <param name="configure">settings that need the process's own ports (e.g. a gateway reporting to itself as its region).</param>
    public DashboardGateway(int simulatedMeters, bool policy, bool demoAccounts, string? policyFile = null, IReadOnlyDictionary<string, string>? environment = null,
        Action<GatewayProcess>? configure = null)
    {
        // Simulated meters run in the demo program; the gateway as it ships refuses them.
        Process = new GatewayProcess(demo: simulatedMeters > 0);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) Process.Environment[key] = value;
        configure?.Invoke(Process);
        if (policy) Process.Environment["Metering__Policy__File"] = policyFile is null ? PolicyPath : Path.Combine(AppContext.BaseDirectory, "policies", policyFile);
        if (demoAccounts) Process.Environment["Metering__Auth__DemoAccounts"] = "true";
        Process.Environment["Metering__Registry__AutoRegister"] = "true";
        Process.Environment["Metering__Demo__SimulatedMeters"] = simulatedMeters.ToString();
        Process.Start();
        WaitForStartupLines(Process);
        if (demoAccounts) ReadPasswords();
    }

    /// <summary>The start-up lines are printed when the host has started, and reach the test through
    /// a pipe: /healthz may answer a moment before they arrive.</summary>
    public static void WaitForStartupLines(GatewayProcess process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !process.Output.Contains("Press Ctrl+C", StringComparison.Ordinal)) Thread.Sleep(50);
    }

    public static string PolicyPath => Path.Combine(AppContext.BaseDirectory, "policies", "dashboard.yaml");

    public GatewayProcess Process { get; }
    public Uri BaseUrl => Process.BaseUrl;

    public string Password(string name) => _passwords[name];

    public HttpClient Anonymous() => new(new HttpClientHandler { UseCookies = false }) { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client signed in by cookie, as the browser does.</summary>
    public async Task<HttpClient> SignInAsync(string name)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        using var r = await http.PostAsJsonAsync("api/v1/session", new { name, password = Password(name) });
        Assert.True(r.IsSuccessStatusCode, $"sign-in of {name}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return http;
    }

    /// <summary>A token created by the account itself, and a client that sends only that token.</summary>
    public async Task<(string Token, HttpClient Client)> TokenClientAsync(string name)
    {
        using var signedIn = await SignInAsync(name);
        using var r = await signedIn.PostAsJsonAsync($"api/v1/accounts/{name}/tokens", new { label = "test" });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var token = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return (token, client);
    }

    /// <summary>One reading of a meter on community "demo", acknowledged (PUBACK) by the gateway, i.e. committed.</summary>
    public async Task PublishReadingAsync(string meter, long seq, DateTimeOffset deviceTime, params (string Channel, long RegisterMl)[] channels)
    {
        await ConnectAsync();
        var ch = string.Join(",", channels.Select(c => $"{{\"n\":\"{c.Channel}\",\"u\":\"mL\",\"reg\":{c.RegisterMl}}}"));
        var payload = $"{{\"v\":1,\"seq\":{seq},\"ts\":{deviceTime.ToUnixTimeMilliseconds()},\"ch\":[{ch}]}}";
        await _mqtt!.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"commons/v1/demo/{meter}/up/reading")
            .WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }

    /// <summary>A device's retained status (docs/protocol.md "status"): "online" at start-up, "offline" as its last will.</summary>
    public async Task PublishStatusAsync(string meter, string state)
    {
        await ConnectAsync();
        var payload = $"{{\"v\":1,\"state\":\"{state}\",\"fw\":\"1.0.0\",\"boot\":1,\"ts\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}";
        await _mqtt!.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"commons/v1/demo/{meter}/up/status").WithRetainFlag()
            .WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or <paramref name="timeout"/> passed.</summary>
    public static Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout) =>
        Poll.UntilAsync(condition, timeout, TimeSpan.FromMilliseconds(100));

    private async Task ConnectAsync()
    {
        if (_mqtt is { IsConnected: true }) return;
        _mqtt?.Dispose();
        _mqtt = new MqttClientFactory().CreateMqttClient();
        await _mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", Process.BrokerPort)
            .WithClientId("dashboard-tests").WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(TimeSpan.FromSeconds(10)).Build());
    }

    private void ReadPasswords()
    {
        foreach (Match m in SignInLine().Matches(Process.Output)) _passwords[m.Groups["name"].Value] = m.Groups["password"].Value;
        Assert.True(_passwords.ContainsKey("admin"), "no demo sign-ins printed:\n" + Process.Output);
    }

    public void Dispose()
    {
        _mqtt?.Dispose();
        Process.Dispose();
        GC.SuppressFinalize(this);
    }

    // "    council       amina          Cp7WLf2ngiNw" (GatewayHost's start-up lines).
    [GeneratedRegex(@"^ {4}(?:member|council|technician|administrator) +(?<name>[a-z0-9._-]+) +(?<password>\S+)", RegexOptions.Multiline)]
    private static partial Regex SignInLine();
}

/// <summary>The class fixture of the API tests: the test policy, demo accounts, no simulated meters.</summary>
public sealed class PolicyGateway() : DashboardGateway(0, policy: true, demoAccounts: true);
