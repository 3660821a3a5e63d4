using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Gateway;

/// <summary>The built gateway as a real process in embedded-broker mode, driven over MQTT and HTTP.</summary>
[Trait("Category", "Integration")]
public sealed class EmbeddedGatewayTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddHours(-3);
    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    [Fact]
    public async Task PublishedReadings_AreInTheLedgerWhenThePubackArrives_AndTheApiShowsThemExactly()
    {
        using var gw = new GatewayProcess();
        gw.Start();
        using var http = gw.CreateHttpClient();
        await GatewayApi.RegisterAsync(http, "m1");
        await using var device = new TestDevice("c1", "m1", gw.BrokerPort);
        long[] registers = [1_000, 1_250, 1_250, 2_000, 2_600];
        for (var i = 0; i < registers.Length; i++)
        {
            await device.PublishAsync("reading", TestDevice.Reading(i + 1, Ms(T0.AddMinutes(i)), registers[i]));
            // PUBACK only after the commit: the reading is visible the moment the publish returns.
            Assert.Equal(i + 1, await GatewayApi.LastSeqAsync(http, "m1"));
        }
        var meter = await GatewayApi.MeterAsync(http, "m1");
        Assert.Equal("c1", meter.GetProperty("community").GetString());
        Assert.Equal("water", meter.GetProperty("resource").GetString());
        var channel = meter.GetProperty("channels").EnumerateArray().Single();
        Assert.Equal(("main", 5L, 2_600L), (channel.GetProperty("name").GetString(), channel.GetProperty("lastSeq").GetInt64(), channel.GetProperty("register").GetInt64()));
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, meter.GetProperty("lastSeen").ValueKind);
        Assert.Equal(1_600, await GatewayApi.ChannelUsageAsync(http, "m1", "main", T0.AddHours(-1), T0.AddHours(2)));
        Assert.Equal(5, await GatewayApi.MetricAsync(http, "metering_readings_ingested_total"));
    }

    [Fact]
    public async Task DuplicateAndBadPayloads_AreCountedInMetrics_AndTheValidStreamIsUnaffected()
    {
        using var gw = new GatewayProcess();
        gw.Start();
        using var http = gw.CreateHttpClient();
        await GatewayApi.RegisterAsync(http, "m1");
        await using var device = new TestDevice("c1", "m1", gw.BrokerPort);
        await using var stranger = new TestDevice("c1", "ghost", gw.BrokerPort);
        await device.PublishAsync("reading", TestDevice.Reading(1, Ms(T0), 100));
        await device.PublishAsync("reading", TestDevice.Reading(1, Ms(T0), 100)); // duplicate: acknowledged
        await device.PublishAsync("reading", "not json at all");
        await device.PublishAsync("reading", "{\"v\":1,\"seq\":9,\"ts\":1,\"ch\":[{\"n\":\"main\",\"u\":\"mL\",\"reg\":1}],\"pad\":\"" + new string('x', 1100) + "\"}");
        await device.PublishAsync("reading", TestDevice.Reading(2, Ms(DateTimeOffset.UtcNow.AddDays(3)), 150));
        await device.PublishAsync("reading", TestDevice.Reading(2, Ms(DateTimeOffset.UtcNow.AddDays(-500)), 150));
        await device.PublishAsync("reading", TestDevice.Reading(2, Ms(T0.AddMinutes(1)), 150, unit: "Wh"));
        await stranger.PublishAsync("reading", TestDevice.Reading(1, Ms(T0), 5));
        await device.PublishAsync("reading", TestDevice.Reading(2, Ms(T0.AddMinutes(2)), 40)); // register decrease
        await device.PublishAsync("reading", TestDevice.Reading(3, Ms(T0.AddMinutes(3)), 90));

        foreach (var (reason, count) in new[] { ("duplicate", 1), ("malformed", 1), ("oversized", 1), ("clock_future", 1),
                     ("clock_past", 1), ("bad_unit", 1), ("unknown_meter", 1) })
            Assert.Equal(count, await GatewayApi.MetricAsync(http, $"metering_rejected_total{{reason=\"{reason}\"}}"));
        Assert.Equal(1, await GatewayApi.MetricAsync(http, "metering_flagged_total{flag=\"register_decrease\"}"));
        Assert.Equal(3, await GatewayApi.MetricAsync(http, "metering_readings_ingested_total"));
        Assert.Equal(50, await GatewayApi.ChannelUsageAsync(http, "m1", "main", T0.AddHours(-1), T0.AddHours(1)));
        Assert.Contains("malformed on commons/v1/c1/m1/up/reading", gw.Output);
        Assert.False(gw.HasExited);
    }

    [Fact]
    public async Task Crash_AtAnyInstant_LosesNothingAndCountsNothingTwice()
    {
        using var gw = new GatewayProcess();
        gw.Start();
        using var http = gw.CreateHttpClient();
        await GatewayApi.RegisterAsync(http, "m1");
        await using var device = new TestDevice("c1", "m1", gw.BrokerPort);
        const int total = 300;
        var publisher = Task.Run(async () =>
        {
            for (var seq = 1; seq <= total; seq++)
                await device.PublishUntilAckedAsync("reading", TestDevice.Reading(seq, Ms(T0.AddSeconds(seq)), seq * 3L), TimeSpan.FromSeconds(90));
        });
        await GatewayApi.EventuallyAsync(async () => await GatewayApi.LastSeqAsync(http, "m1") >= 100, TimeSpan.FromSeconds(60), () => gw.Output);
        gw.Kill(); // SIGKILL in the middle of the stream
        gw.Restart();
        await publisher.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(total, await GatewayApi.LastSeqAsync(http, "m1"));
        Assert.Equal((total - 1) * 3, await GatewayApi.ChannelUsageAsync(http, "m1", "main", T0.AddHours(-1), T0.AddHours(1)));
    }

    [Fact]
    public async Task ManyDevicesAtOnce_AreGroupCommitted_AndEachCountsExactly()
    {
        using var gw = new GatewayProcess();
        gw.Start();
        using var http = gw.CreateHttpClient();
        const int devices = 50, readings = 40;
        for (var d = 0; d < devices; d++) await GatewayApi.RegisterAsync(http, $"d{d}");
        var before = await GatewayApi.MetricAsync(http, "metering_ledger_commit_batch_size_count");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, devices).Select(async d =>
        {
            await using var device = new TestDevice("c1", $"d{d}", gw.BrokerPort);
            for (var seq = 1; seq <= readings; seq++)
                await device.PublishAsync("reading", TestDevice.Reading(seq, Ms(T0.AddSeconds(seq)), seq * 5L));
        }));
        clock.Stop();
        var transactions = await GatewayApi.MetricAsync(http, "metering_ledger_commit_batch_size_count") - before;
        output.WriteLine($"{devices * readings} readings from {devices} devices in {clock.ElapsedMilliseconds} ms " +
            $"({devices * readings * 1000.0 / clock.ElapsedMilliseconds:F0}/s), {transactions} transactions, " +
            $"{devices * readings / transactions:F1} readings per transaction");
        for (var d = 0; d < devices; d++)
            Assert.Equal((readings - 1) * 5, await GatewayApi.ChannelUsageAsync(http, $"d{d}", "main", T0.AddHours(-1), T0.AddHours(1)));
        Assert.True(transactions < devices * readings / 2.0, $"{transactions} transactions for {devices * readings} readings: no group commit");
    }

    [Fact]
    public void BrokerPortAlreadyTaken_GivesAClearMessageAndExitCode_WithoutAStackTrace()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        using var gw = new GatewayProcess(brokerPort: port);
        var exit = gw.RunToExit();
        Assert.Equal(3, exit);
        Assert.Contains($"127.0.0.1:{port} is already in use", gw.Output);
        Assert.Contains("sudo systemctl stop mosquitto", gw.Output);
        Assert.Contains($"Metering__Broker__Port={port + 1}", gw.Output);
        Assert.DoesNotContain("   at ", gw.Output);
        Assert.DoesNotContain("Exception", gw.Output);
    }

    [Fact]
    public async Task Api_AnswersBadInputWithProblemDetails()
    {
        using var gw = new GatewayProcess();
        gw.Start();
        using var http = gw.CreateHttpClient();
        await GatewayApi.RegisterAsync(http, "m1");
        async Task<(int Status, string? Type)> Get(string url)
        {
            using var r = await http.GetAsync(url);
            return ((int)r.StatusCode, r.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal((400, "application/problem+json"), await Get("api/v1/meters/m1/usage?from=yesterday&to=2026-01-01T00:00:00Z"));
        Assert.Equal((400, "application/problem+json"), await Get("api/v1/meters/m1/usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"));
        Assert.Equal((404, "application/problem+json"), await Get("api/v1/meters/nobody/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z"));
        Assert.Equal((200, "application/json"), await Get("api/v1/meters/m1/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z"));
        foreach (var body in new object[] { new { id = "M 1", community = "c1", resource = "water" }, new { id = "m2", community = "c1", resource = "gas" } })
        {
            using var r = await http.PostAsJsonAsync("api/v1/meters", body);
            Assert.Equal((400, "application/problem+json"), ((int)r.StatusCode, r.Content.Headers.ContentType?.MediaType));
        }
        using (var again = await http.PostAsJsonAsync("api/v1/meters", new { id = "m1", community = "c1", resource = "water" }))
            Assert.Equal(200, (int)again.StatusCode); // idempotent
        using (var conflict = await http.PostAsJsonAsync("api/v1/meters", new { id = "m1", community = "c1", resource = "energy" }))
            Assert.Equal(409, (int)conflict.StatusCode);
    }

    [Fact]
    public async Task DemoMode_RegistersTheSimulatedFleet_AndItsReadingsReachTheLedger()
    {
        using var gw = new GatewayProcess(demo: true);
        gw.Environment["Metering__Demo__SimulatedMeters"] = "3";
        gw.Start();
        using var http = gw.CreateHttpClient();
        var meters = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("api/v1/meters");
        Assert.Equal(["e-0002:energy", "f-0003:forest", "w-0001:water"],
            meters.EnumerateArray().Select(m => $"{m.GetProperty("id").GetString()}:{m.GetProperty("resource").GetString()}"));

        // The in-process fleet (the real firmware core) connects and its readings are committed.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            meters = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("api/v1/meters");
            var seen = meters.EnumerateArray().Count(m => m.TryGetProperty("lastSeq", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.Number);
            if (seen == 3) break;
            Assert.True(DateTime.UtcNow < deadline, $"demo meters did not report within 30 s: {meters}\n{gw.Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>The gateway as it ships has no simulated fleet (its GPIO packages stay out of the
    /// server): <c>--demo</c>, or a fleet size, is refused with the command that runs it.</summary>
    [Theory]
    [InlineData("--demo", null, "--demo needs the simulated fleet")]
    [InlineData(null, "3", "Metering:Demo:SimulatedMeters needs the simulated fleet")]
    public void TheShippedGateway_RefusesTheDemo_NamingTheDemoProgram(string? argument, string? meters, string message)
    {
        using var gw = new GatewayProcess(arguments: argument is null ? [] : [argument]);
        if (meters is not null) gw.Environment["Metering__Demo__SimulatedMeters"] = meters;
        Assert.Equal(2, gw.RunToExit());
        Assert.Contains(message, gw.Output);
        Assert.Contains("run `dotnet run --project gateway/Metering.Gateway.Demo`", gw.Output);
    }

    [Fact]
    public void InvalidConfiguration_NamesTheSetting_AndExitsWithCode2()
    {
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Ledger__MaxBatchSize"] = "0";
        Assert.Equal(2, gw.RunToExit());
        Assert.Contains("Metering:Ledger:MaxBatchSize must be between 1 and 10000", gw.Output);
        Assert.DoesNotContain("   at ", gw.Output);
    }
}
