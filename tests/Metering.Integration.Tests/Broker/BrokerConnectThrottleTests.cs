using System.Diagnostics;
using System.Globalization;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Gateway;
using MQTTnet;
using MQTTnet.Formatter;

namespace Commons.Metering.Tests.Broker;

/// <summary>Repeated refused connects are slowed down and counted, and no password reaches the log;
/// the TLS listener also takes a PKCS#12 certificate beside the plain listener; a bad certificate
/// stops the gateway at start with exit code 2.</summary>
[Collection(TestStreams.Beside)]
[Trait("Category", "Integration")]
public sealed class BrokerConnectThrottleTests
{
    private const string A = "w-0101", B = "w-0102";
    private const int DelayMs = 200, MaxDelayMs = 1_600;

    [Fact]
    public async Task RepeatedWrongPasswords_AreSlowedCountedAndNeverLogged_AndTheRightPasswordStillConnects()
    {
        using var certs = new TestCertificates();
        using var gw = new GatewayProcess();
        var passwords = EmbeddedBrokerTlsTests.Provision(gw.DataDirectory, A, B);
        var tlsPort = FreePort.Next();
        gw.Environment["Metering__Broker__RequireAuthentication"] = "true";
        gw.Environment["Metering__Broker__AuthFailureDelayMs"] = DelayMs.ToString(CultureInfo.InvariantCulture);
        gw.Environment["Metering__Broker__AuthFailureMaxDelayMs"] = MaxDelayMs.ToString(CultureInfo.InvariantCulture);
        gw.Environment["Metering__Broker__Tls__Port"] = tlsPort.ToString(CultureInfo.InvariantCulture);
        gw.Environment["Metering__Broker__Tls__CertificateFile"] = certs.ServerPfxFile;
        gw.Environment["Metering__Broker__Tls__Password"] = TestCertificates.PfxPassword;
        gw.Environment["Logging__LogLevel__Default"] = "Debug"; // the most the log could ever say
        gw.Start();
        using var http = gw.CreateHttpClient();

        var wrong = Enumerable.Range(0, 5).Select(i => $"guess-{i}-{Guid.NewGuid():N}").ToList();
        var took = new List<long>();
        foreach (var guess in wrong)
        {
            var watch = Stopwatch.StartNew();
            Assert.NotNull(await PlainConnectAsync(gw.BrokerPort, A, A, guess));
            took.Add(watch.ElapsedMilliseconds);
        }
        // The k-th refusal (k >= 1) made the next attempt wait DelayMs * 2^(k-1) before it was even
        // checked: a lower bound only, a slow machine may take longer but never less (5% off for
        // the timer's granularity: .NET timers fire on ~1 ms ticks, Stopwatch ms are truncated).
        for (var k = 1; k < wrong.Count; k++)
            Assert.True(took[k] >= 0.95 * Math.Min(DelayMs << (k - 1), MaxDelayMs), $"attempt {k + 1} took {took[k]} ms: {string.Join(", ", took)}");
        Assert.Equal(wrong.Count, await GatewayApi.MetricAsync(http, "metering_broker_auth_failures_total{reason=\"wrong_password\"}"));
        Assert.Equal(wrong.Count - 1, await GatewayApi.MetricAsync(http, "metering_broker_auth_delayed_total"));

        // Another user from the same address is not slowed yet (addresses get ConnectThrottle.AddressGrace refusals).
        var other = Stopwatch.StartNew();
        using (var b = new MqttClientFactory().CreateMqttClient())
            Assert.Null(await EmbeddedBrokerTlsTests.ConnectAsync(b, B, B, passwords[B], tlsPort, certs.Ca));
        Assert.True(other.ElapsedMilliseconds < 5_000, $"{other.ElapsedMilliseconds} ms");
        Assert.Equal(wrong.Count - 1, await GatewayApi.MetricAsync(http, "metering_broker_auth_delayed_total"));

        // The right password connects after the delay (over TLS, PKCS#12 certificate) and resets the count.
        using (var a = new MqttClientFactory().CreateMqttClient())
            Assert.Null(await EmbeddedBrokerTlsTests.ConnectAsync(a, A, A, passwords[A], tlsPort, certs.Ca));
        Assert.Null(await PlainConnectAsync(gw.BrokerPort, A, A, passwords[A]));
        Assert.Equal(wrong.Count, await GatewayApi.MetricAsync(http, "metering_broker_auth_delayed_total"));
        Assert.Equal(0, await GatewayApi.MetricAsync(http, "metering_broker_watchdog_reconnects_total")); // exported in embedded mode too

        gw.Kill();
        var log = gw.Output;
        Assert.Contains("wrong_password", log); // the refusal itself is logged...
        foreach (var secret in wrong.Append(passwords[A]).Append(passwords[B]).Append(TestCertificates.PfxPassword))
            Assert.DoesNotContain(secret, log); // ...no password ever is
    }

    /// <summary>32 threads guess A's password from another loopback address (127.0.0.2) for 10 s
    /// while A, which connected before from 127.0.0.1, reconnects: the guessers get the checks one
    /// sequential guesser gets (0, .25, .75, 1.75, 3.75, 7.75 s at the defaults: 6), not 32 times
    /// that, and A is not kept waiting.</summary>
    [Fact]
    public async Task ThirtyTwoParallelGuessers_GetTheChecksOfOne_AndTheRealDeviceConnectsAtOnce()
    {
        using var gw = new GatewayProcess();
        var passwords = EmbeddedBrokerTlsTests.Provision(gw.DataDirectory, A);
        gw.Environment["Metering__Broker__RequireAuthentication"] = "true";
        gw.Start();
        using var http = gw.CreateHttpClient();
        Assert.Null(await PlainConnectAsync(gw.BrokerPort, A, A, passwords[A])); // A's own address is now known

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var attempts = 0;
        var guessers = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.NotNull(await PlainConnectAsync(gw.BrokerPort, A, A, $"guess-{i}-{Guid.NewGuid():N}", from: "127.0.0.2"));
                Interlocked.Increment(ref attempts);
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var device = Stopwatch.StartNew();
        Assert.Null(await PlainConnectAsync(gw.BrokerPort, A, A, passwords[A]));
        var deviceMs = device.ElapsedMilliseconds;
        await Task.WhenAll(guessers);

        var checks = await GatewayApi.MetricAsync(http, "metering_broker_auth_failures_total{reason=\"wrong_password\"}");
        var unchecked_ = await GatewayApi.MetricAsync(http, "metering_broker_auth_failures_total{reason=\"throttled\"}");
        Assert.True(checks <= 8, $"{checks} passwords checked in 10 s ({attempts} attempts, {unchecked_} refused unchecked)");
        Assert.True(unchecked_ > 0, $"no attempt was refused unchecked ({attempts} attempts)");
        Assert.True(deviceMs < 2_000, $"the real device waited {deviceMs} ms to connect");
    }

    [Fact]
    public void TlsCertificateThatCannotBeLoaded_StopsTheGatewayAtStart_WithExitCode2()
    {
        using var certs = new TestCertificates();
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__Tls__Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        gw.Environment["Metering__Broker__Tls__CertificateFile"] = certs.ServerPfxFile;
        gw.Environment["Metering__Broker__Tls__Password"] = "not-the-pfx-password";
        Assert.Equal(2, gw.RunToExit());
        Assert.Contains("Metering:Broker:Tls:CertificateFile", gw.Output);
        Assert.DoesNotContain("not-the-pfx-password", gw.Output);
    }

    private static async Task<string?> PlainConnectAsync(int port, string clientId, string user, string password, string from = "127.0.0.1")
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(clientId).WithCleanSession(false).WithTimeout(TimeSpan.FromSeconds(10)).WithCredentials(user, password).Build();
        // Linux routes all of 127.0.0.0/8 to loopback: another client address without another machine.
        ((MqttClientTcpOptions)options.ChannelOptions).LocalEndpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse(from), 0);
        try
        {
            var r = await client.ConnectAsync(options);
            if (r.ResultCode != MqttClientConnectResultCode.Success) return r.ResultCode.ToString();
            await client.DisconnectAsync();
            return null;
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException e)
        {
            return e.Message;
        }
    }
}
