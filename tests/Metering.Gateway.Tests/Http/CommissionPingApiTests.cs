using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Tests.Policy;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Gateway.Tests.Http;

/// <summary>POST /api/v1/meters/{id}/ping (Http/CommissionApi.cs) against the gateway in this process
/// and a real device: the firmware core (MeterDevice) through the host runtime's MQTTnet transport
/// (a one-meter MeterFleet in real time) on the embedded broker, or on a real mosquitto as the gateway's
/// external broker.</summary>
[Trait("Category", "Integration")]
public sealed class CommissionPingApiTests
{
    private const string Meter = "w-0001"; // FleetOptions.MeterIdOf(0)
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static MeterFleet Device(int brokerPort, TempDir flash, string community) => new(new FleetOptions
    {
        Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = brokerPort, ConnectTimeout = TimeSpan.FromSeconds(3) },
        DataDirectory = flash.Path,
        Community = community,
        Meters = 1,
        ReadingIntervalMs = 60_000,
    });

    private static Task<HttpResponseMessage> PingAsync(HttpClient http, string meter, int timeoutS) =>
        http.PostAsJsonAsync($"api/v1/meters/{meter}/ping", new { timeoutS });

    private static async Task RegisterAsync(HttpClient http, string meter, string community)
    {
        var r = await http.PostAsJsonAsync("api/v1/meters", new { id = meter, community, resource = "water" });
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
    }

    private static Task UntilStatusAsync(InProcessGateway gw, string meter, string state) =>
        Testing.Poll.UntilOrFailAsync(() => gw.Store.ListMeters().SingleOrDefault(m => m.Meter.Id == meter)?.Status?.State == state,
            Patience, () => $"{meter} never reported '{state}'", TimeSpan.FromMilliseconds(100));

    /// <param name="setup">"embedded" broker; "policy": embedded, with the commons runtime and its own
    /// command outbox; "mosquitto": an external broker (a real mosquitto), the device connected there.</param>
    [Theory]
    [InlineData("embedded")]
    [InlineData("policy")]
    [InlineData("mosquitto")]
    public async Task DeviceOnline_PingIsAcked_ThenOffline_ItTimesOutNamingTheStatus_AndTheGatewayStaysHealthy(string setup)
    {
        var withPolicy = setup == "policy";
        using var mosquitto = setup == "mosquitto" ? new Mosquitto() : null;
        mosquitto?.Start();
        await using var gw = new InProcessGateway();
        var settings = new Dictionary<string, string?>();
        if (withPolicy) settings["Metering:Policy:File"] = PolicyFiles.VillagePath;
        if (mosquitto is not null)
        {
            settings["Metering:Broker:Mode"] = "External";
            settings["Metering:Broker:Port"] = mosquitto.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await gw.StartAsync(settings);
        using var http = gw.Client(gw.Token("tess", Role.Technician));
        await RegisterAsync(http, Meter, "riverside");
        using var flash = new TempDir("ping-device");
        await using var device = Device(mosquitto?.Port ?? gw.BrokerPort, flash, "riverside");
        device.Start();
        await UntilStatusAsync(gw, Meter, "online");

        using var acked = await PingAsync(http, Meter, 20);
        var body = await acked.Content.ReadAsStringAsync();
        Assert.True(acked.StatusCode == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal("acked", answer.GetProperty("outcome").GetString());
        Assert.Equal(Meter, answer.GetProperty("meter").GetString());
        Assert.StartsWith(CommissionApiCid, answer.GetProperty("cid").GetString());
        Assert.True(answer.GetProperty("attempts").GetInt32() >= 1);
        Assert.Equal(0, gw.Services.GetRequiredService<AckWaiters>().Waiting);
        if (withPolicy)
        {
            // The policy runtime has its own command outbox: the ping is not in it, and it goes on.
            var runtime = gw.Services.GetRequiredService<ICommonsRuntime>();
            Assert.DoesNotContain(runtime.Commands(1000), c => c.Cid.StartsWith(CommissionApiCid, StringComparison.Ordinal));
        }

        await device.StopAsync(graceful: true); // drops the connection: the broker publishes the "offline" will
        await UntilStatusAsync(gw, Meter, "offline");
        using var timedOut = await PingAsync(http, Meter, 1);
        var problem = JsonDocument.Parse(await timedOut.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
        Assert.Equal("application/problem+json", timedOut.Content.Headers.ContentType?.MediaType);
        Assert.Equal("timeout", problem.GetProperty("outcome").GetString());
        Assert.Equal("offline", problem.GetProperty("deviceState").GetString());
        Assert.Contains("offline since", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
        Assert.Equal(0, gw.Services.GetRequiredService<AckWaiters>().Waiting);
    }

    [Fact]
    public async Task UnknownMeter404_WrongRole403_NoToken401_BadTimeout400_NeverSeen504()
    {
        await using var gw = new InProcessGateway();
        await gw.StartAsync();
        using var tech = gw.Client(gw.Token("tess", Role.Technician));
        using var council = gw.Client(gw.Token("amina", Role.Council));
        using var admin = gw.Client(gw.Token("root", Role.Administrator));
        using var anonymous = gw.Client(null);
        await RegisterAsync(tech, "w-0099", "riverside");

        using var unknown = await PingAsync(tech, "w-nope", 1);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("w-nope", await unknown.Content.ReadAsStringAsync());

        using var forbidden = await PingAsync(council, "w-0099", 1);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("technicians operate devices", await forbidden.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await PingAsync(anonymous, "w-0099", 1)).StatusCode);

        foreach (var bad in new[] { 0, 61 })
            Assert.Equal(HttpStatusCode.BadRequest, (await PingAsync(tech, "w-0099", bad)).StatusCode);
        using var textTimeout = await tech.PostAsJsonAsync("api/v1/meters/w-0099/ping", new { timeoutS = "5" });
        Assert.Equal(HttpStatusCode.BadRequest, textTimeout.StatusCode);
        using var noJson = await tech.PostAsync("api/v1/meters/w-0099/ping", new StringContent("timeoutS=1"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, noJson.StatusCode);

        // Registered, never heard of: the ping goes out, again after 5 s (CommissionApi.ResendInterval), and
        // times out with a plain reason (an administrator may ask too).
        using var never = await PingAsync(admin, "w-0099", 6);
        var problem = JsonDocument.Parse(await never.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.GatewayTimeout, never.StatusCode);
        Assert.Equal(2, problem.GetProperty("attempts").GetInt32());
        Assert.Equal("never-seen", problem.GetProperty("deviceState").GetString());
        Assert.Contains("never heard from it", problem.GetProperty("detail").GetString());
    }

    private const string CommissionApiCid = global::Commons.Metering.Gateway.Http.CommissionApi.CidPrefix;
}
