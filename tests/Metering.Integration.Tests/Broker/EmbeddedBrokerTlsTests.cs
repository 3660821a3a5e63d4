using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Commons.Metering.Gateway.BrokerAccounts;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Gateway;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Tests.Broker;

/// <summary>The embedded broker's TLS listener (Metering:Broker:Tls) with the plain listener off
/// (Broker:Port 0) and authentication on: real clients (mosquitto_pub/mosquitto_sub with --cafile,
/// and MQTTnet with the test CA as trust chain) against the gateway process, certificate and key
/// from PEM files; a second gateway takes a PKCS#12 file.</summary>
[Trait("Category", "Integration")]
public sealed class EmbeddedBrokerTlsTests(EmbeddedBrokerTlsTests.TlsGateway fixture) : IClassFixture<EmbeddedBrokerTlsTests.TlsGateway>
{
    internal const string Community = "demo";
    private const string A = "w-0001", B = "w-0002", C = "w-0003";

    /// <summary>One gateway for the class: TLS only, authentication on, accounts for A, B, C.</summary>
    public sealed class TlsGateway : IDisposable
    {
        public TlsGateway()
        {
            Certificates = new TestCertificates();
            Process = new GatewayProcess();
            try
            {
                TlsPort = FreePort.Next();
                Passwords = Provision(Process.DataDirectory, A, B, C);
                PlainPort = Process.BrokerPort;
                Process.Environment["Metering__Broker__Port"] = "0";
                Process.Environment["Metering__Broker__RequireAuthentication"] = "true";
                Process.Environment["Metering__Broker__Tls__Port"] = TlsPort.ToString(CultureInfo.InvariantCulture);
                Process.Environment["Metering__Broker__Tls__CertificateFile"] = Certificates.ServerCertFile;
                Process.Environment["Metering__Broker__Tls__KeyFile"] = Certificates.ServerKeyFile;
                // Short delays: several tests here are refused on purpose from the same address.
                Process.Environment["Metering__Broker__AuthFailureDelayMs"] = "100";
                Process.Environment["Metering__Broker__AuthFailureMaxDelayMs"] = "800";
                Process.Start();
                using var http = Process.CreateHttpClient();
                foreach (var m in new[] { A, B, C }) GatewayApi.RegisterAsync(http, m, Community).GetAwaiter().GetResult();
            }
            catch
            {
                Dispose(); // xUnit does not dispose a fixture whose constructor threw
                throw;
            }
        }

        public TestCertificates Certificates { get; }
        public GatewayProcess Process { get; }
        public int TlsPort { get; }
        public int PlainPort { get; }
        public IReadOnlyDictionary<string, string> Passwords { get; }

        public void Dispose()
        {
            Process.Dispose();
            Certificates.Dispose();
        }
    }

    /// <summary>Device accounts written straight into the gateway's credentials file, as
    /// `metering provision` does (hash iterations lowered: tests, not production).</summary>
    internal static Dictionary<string, string> Provision(string dataDirectory, params string[] meters)
    {
        var passwords = meters.ToDictionary(m => m, m => $"pw-{m}-{Guid.NewGuid():N}");
        CredentialsFile.Write(Path.Combine(dataDirectory, CredentialsFile.FileName), meters.Select(m => new BrokerAccount
        {
            User = m, Role = BrokerRole.Device, Community = Community, PasswordHash = MosquittoPasswordHash.Hash(passwords[m], 1_000),
        }));
        return passwords;
    }

    internal static string Topic(string meter, string suffix) => $"commons/v1/{Community}/{meter}/{suffix}";

    internal static string Reading(long seq, long register) =>
        TestDevice.Reading(seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), register);

    private string Password(string meter) => fixture.Passwords[meter];

    private async Task<long> LastSeqAsync(string meter)
    {
        using var http = fixture.Process.CreateHttpClient();
        var m = await GatewayApi.MeterAsync(http, meter);
        return m.GetProperty("lastSeq").ValueKind == JsonValueKind.Number ? m.GetProperty("lastSeq").GetInt64() : 0;
    }

    private MosquittoClients.Result Pub(string? cafile, params string[] args) =>
        MosquittoClients.Pub(new[] { "-h", "127.0.0.1", "-p", fixture.TlsPort.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1" }
            .Concat(cafile is null ? [] : ["--cafile", cafile]).Concat(args));

    [Fact]
    public async Task MosquittoPub_OverTls_ProvisionedDevicePublishesUnderItsOwnTopic_AndCannotForgeAnothersReading()
    {
        var ca = fixture.Certificates.CaFile;
        var seq = await LastSeqAsync(A) + 1;
        var own = Pub(ca, "-i", A, "-u", A, "-P", Password(A), "-t", Topic(A, "up/reading"), "-m", Reading(seq, 10 * seq));
        Assert.True(own.ExitCode == 0, own.ToString());
        // Same connection rules as plain MQTT: the PUBACK of the embedded broker comes after the commit.
        Assert.Equal(seq, await LastSeqAsync(A));

        var forged = Pub(ca, "-i", A, "-u", A, "-P", Password(A), "-t", Topic(B, "up/reading"), "-m", Reading(1_000, 5));
        Assert.True(forged.ExitCode == 0, forged.ToString()); // MQTT 3.1.1 cannot refuse a PUBLISH: dropped, like mosquitto
        Assert.Equal(0, await LastSeqAsync(B));
    }

    [Theory]
    [InlineData("wrong-password")]
    [InlineData("anonymous")]
    [InlineData("client-id-of-another-device")]
    public void MosquittoPub_OverTls_IsRefused(string why)
    {
        var ca = fixture.Certificates.CaFile;
        var topic = Topic(C, "up/reading");
        var r = why switch
        {
            "wrong-password" => Pub(ca, "-i", C, "-u", C, "-P", Password(B), "-t", topic, "-m", Reading(1, 1)),
            "anonymous" => Pub(ca, "-i", C, "-t", topic, "-m", Reading(1, 1)),
            _ => Pub(ca, "-i", B, "-u", C, "-P", Password(C), "-t", topic, "-m", Reading(1, 1)),
        };
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("bad user name or password", r.Stderr + r.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void MosquittoPub_WithAnotherCa_RefusesTheServerCertificate()
    {
        var r = Pub(fixture.Certificates.OtherCaFile, "-i", A, "-u", A, "-P", Password(A), "-t", Topic(A, "up/status"), "-m", "{}");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("TLS error", r.Stderr + r.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void PlainListener_IsOff_WhenBrokerPortIsZero()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var e = Assert.Throws<SocketException>(() => socket.Connect("127.0.0.1", fixture.PlainPort));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public void MosquittoSub_OverTls_MaySubscribeToItsOwnDownlinksOnly()
    {
        string[] Args(string filter) => ["-h", "127.0.0.1", "-p", fixture.TlsPort.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311",
            "--cafile", fixture.Certificates.CaFile, "-i", A, "-u", A, "-P", Password(A), "-q", "1", "-d", "-t", filter];
        using (var other = MosquittoClients.Sub(Args(Topic(B, "down/#"))))
        {
            // mosquitto_sub ends by itself when every subscription was refused (SUBACK 0x80 = 128).
            Assert.True(other.WaitForExit(TimeSpan.FromSeconds(10)), string.Join('\n', other.Seen));
            Assert.Contains(other.Seen, l => l.Contains("Subscribed (mid: 1): 128", StringComparison.Ordinal));
            Assert.Contains(other.Seen, l => l.Contains("denied", StringComparison.Ordinal));
        }
        using var own = MosquittoClients.Sub(Args(Topic(A, "down/#")));
        Assert.True(own.WaitFor("Subscribed (mid: 1): 1") is not null, string.Join('\n', own.Seen)); // granted QoS 1
        Assert.False(own.WaitForExit(TimeSpan.FromSeconds(1)), string.Join('\n', own.Seen));
    }

    [Fact]
    public async Task MqttNet_OverTls_DevicePublishes_OthersTopicDropped_WrongPasswordAndAnonymousRefused()
    {
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        Assert.Null(await ConnectAsync(mqtt, A, A, Password(A)));
        var seq = await LastSeqAsync(A) + 1;
        await PublishAsync(mqtt, Topic(B, "up/reading"), Reading(2_000, 7));
        await PublishAsync(mqtt, Topic(A, "up/reading"), Reading(seq, 10 * seq));
        Assert.Equal(seq, await LastSeqAsync(A));
        Assert.Equal(0, await LastSeqAsync(B));
        await mqtt.DisconnectAsync();

        using var wrong = new MqttClientFactory().CreateMqttClient();
        Assert.NotNull(await ConnectAsync(wrong, C, C, "not-the-password"));
        using var anonymous = new MqttClientFactory().CreateMqttClient();
        Assert.NotNull(await ConnectAsync(anonymous, C, null, null));
    }

    /// <summary>Null when connected, else why not (MQTTnet 5 throws on a refused CONNACK).</summary>
    internal static async Task<string?> ConnectAsync(IMqttClient client, string clientId, string? user, string? password,
        int port, X509Certificate2 ca)
    {
        var b = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(clientId).WithCleanSession(false).WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(t => t.UseTls().WithTrustChain([ca]));
        if (user is not null) b = b.WithCredentials(user, password ?? "");
        try
        {
            var r = await client.ConnectAsync(b.Build());
            return r.ResultCode == MqttClientConnectResultCode.Success ? null : r.ResultCode.ToString();
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException e)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    private Task<string?> ConnectAsync(IMqttClient client, string clientId, string? user, string? password) =>
        ConnectAsync(client, clientId, user, password, fixture.TlsPort, fixture.Certificates.Ca);

    internal static Task PublishAsync(IMqttClient client, string topic, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
}
