namespace Commons.Metering.Gateway.Options;

/// <summary>Every default of the gateway in one place (house style: Polly's Constants). The
/// README's configuration table is checked against these values by a unit test.</summary>
internal static class GatewayDefaults
{
    /// <summary>Section of appsettings.json / prefix of environment variables (Metering__Broker__Port).</summary>
    public const string Section = "Metering";

    /// <summary>Loopback only by default: nothing is exposed until an operator decides so.</summary>
    public const string BrokerHost = "127.0.0.1";

    /// <summary>IANA-registered MQTT port.</summary>
    public const int BrokerPort = 1883;

    /// <summary>Fixed client id of the gateway's persistent session on an external broker.</summary>
    public const string BrokerClientId = "metering-gateway";

    /// <summary>On: a field gateway refuses anonymous clients unless told otherwise (`--demo` turns it
    /// off for the simulated fleet on loopback; README, "Broker credentials").</summary>
    public const bool BrokerRequireAuthentication = true;

    /// <summary>64 KiB: 64 times the largest uplink payload (Ingest/PayloadDecoder.MaxPayloadBytes,
    /// 1 KiB) with its topic, ample for a CONNECT with a long password and last will; a device never
    /// needs more (our choice; mosquitto's message_size_limit plays the same role).</summary>
    public const int BrokerMaxPacketBytes = 65_536;

    /// <summary>First delay after a refused connect; doubles per refusal (our choice: a device with a
    /// typo'd password barely notices, a guesser gets ~12 tries a minute at the cap).</summary>
    public const int AuthFailureDelayMs = 250;

    /// <summary>Longest delay: below MQTTnet's and mosquitto_pub's 10 s connect timeouts, so a
    /// refused client still gets its CONNACK instead of a timeout.</summary>
    public const int AuthFailureMaxDelayMs = 5_000;

    /// <summary>Our choice: 1000 uplinks/s per meter is 60,000x the default reading rate of one a
    /// minute (firmware DeviceConfig.ReadingIntervalMs = 60000), so a device's backlog after a week
    /// offline (10,080 readings) drains in seconds, and still a small share of one gateway's ledger
    /// rate (docs/benchmarks.md). A confirming meter over it is paced, not cut off
    /// (Ingest/Confirmations/ConfirmationPacer.cs).</summary>
    public const double RateLimitPerMeterPerSecond = 1000;

    /// <summary>Our choice: uplinks a meter may send at once before the rate applies (an old
    /// device's outbox drained after an outage); for a confirming meter, also how far over its rate
    /// it may go (held-back confirmations) before it counts as a flood.</summary>
    public const int RateLimitBurst = 1000;

    public const int ReconnectMinDelayMs = 500;
    public const int ReconnectMaxDelayMs = 30_000;

    public const string HttpHost = "127.0.0.1";
    public const int HttpPort = 8080;

    public const string DataDirectory = "./data";
    public const string DatabaseFileName = "metering.db";

    /// <summary>Group commit: at most this many pending writes per transaction: one fsync
    /// shared by up to this many writes, while one batch stays a short transaction.</summary>
    public const int MaxBatchSize = 500;

    /// <summary>Bounded queue in front of the single writer: back-pressure instead of unbounded memory.</summary>
    public const int QueueCapacity = 10_000;

    public const string InfluxKindNone = "None";

    /// <summary>No policy file: the gateway only meters; the policy acts only when a file is set.</summary>
    public const string PolicyFile = "";
}
