namespace Commons.Metering.Gateway.Options;

/// <summary>Where the broker is: in this process (default) or a separate server.</summary>
public enum BrokerMode
{
    /// <summary>In-process MQTTnet.Server; the device's PUBACK waits for the ledger commit.</summary>
    Embedded,

    /// <summary>mosquitto, EMQX, ...: the gateway subscribes with a persistent session and
    /// acknowledges manually after the commit.</summary>
    External,
}

/// <summary>The state store behind <see cref="Ledger.IStateStore"/>.</summary>
public enum StorageProvider
{
    /// <summary>The embedded default: SQLite files under Storage:DataDirectory.</summary>
    Sqlite,

    /// <summary>The ledger in the PostgreSQL database of Storage:ConnectionString (Storage/README.md says
    /// which seams it covers today).</summary>
    Postgres,
}

/// <summary>SQLite's synchronous pragma in WAL mode (https://sqlite.org/pragma.html#pragma_synchronous).</summary>
public enum SqliteSynchronous
{
    /// <summary>fsync at every commit: a committed (and therefore acknowledged) reading survives
    /// power loss. Default, because the device deletes a reading once it has its PUBACK.</summary>
    Full,

    /// <summary>fsync only at checkpoints: survives a process crash but may lose the last commits
    /// on power loss. Only for benchmarks or a UPS-backed machine.</summary>
    Normal,
}

/// <summary>Options of the gateway, bound from the "Metering" section and environment variables
/// (Metering__Broker__Port=1884). Validated at start by <see cref="GatewayOptionsValidator"/>.</summary>
public sealed class GatewayOptions
{
    public BrokerOptions Broker { get; set; } = new();
    public HttpOptions Http { get; set; } = new();
    public StorageOptions Storage { get; set; } = new();
    public LedgerOptions Ledger { get; set; } = new();
    public RegistryOptions Registry { get; set; } = new();
    public InfluxKindOptions Influx { get; set; } = new();
    public DemoOptions Demo { get; set; } = new();
    public PolicyOptions Policy { get; set; } = new();
}

public sealed class BrokerOptions
{
    public BrokerMode Mode { get; set; } = BrokerMode.Embedded;

    /// <summary>Embedded: the IP address to bind. External: the broker's host name or address.</summary>
    public string Host { get; set; } = GatewayDefaults.BrokerHost;

    public int Port { get; set; } = GatewayDefaults.BrokerPort;

    /// <summary>External mode: the listeners of a broker cluster, "host1:port1,host2:port2"
    /// (Options/BrokerEndpoints.cs); the gateway takes the next one on every reconnect. Null or empty:
    /// Host and Port alone.</summary>
    public string? Servers { get; set; }

    /// <summary>External mode: fixed client id, so the broker keeps the gateway's session (and the
    /// readings published while the gateway is down).</summary>
    public string ClientId { get; set; } = GatewayDefaults.BrokerClientId;

    public string? Username { get; set; }

    /// <summary>Secret: masked in the logged configuration.</summary>
    public string? Password { get; set; }

    /// <summary>Embedded: refuse anonymous clients and enforce the topic ACL from the credentials
    /// file (Metering.Gateway.Shared/BrokerAccounts/CredentialsFile.cs) that `metering provision` fills. Unset = on for the
    /// embedded broker (<see cref="AuthenticationRequired"/>); `--demo` sets it to false when it is
    /// not given. Explicitly true in External mode is a configuration error (that broker has its own).</summary>
    public bool? RequireAuthentication { get; set; }

    /// <summary>What the embedded broker does: <see cref="RequireAuthentication"/>, or on when it is unset.</summary>
    public bool AuthenticationRequired => RequireAuthentication ?? (Mode == BrokerMode.Embedded && GatewayDefaults.BrokerRequireAuthentication);

    /// <summary>The explicit "I know" of an embedded broker bound to a non-loopback address without
    /// authentication: without it the gateway refuses to start, since anyone on that network could
    /// then publish as any meter, read every uplink and command every valve.</summary>
    public bool AllowAnonymousOnNetwork { get; set; }

    /// <summary>Embedded: the largest MQTT packet a client may send, in bytes; a larger one closes
    /// the connection as soon as its fixed header announces it, before any of it is buffered
    /// (Ingest/PacketSizeLimit.cs). Checked on every packet, CONNECT included.</summary>
    public int MaxPacketBytes { get; set; } = GatewayDefaults.BrokerMaxPacketBytes;

    public int ReconnectMinDelayMs { get; set; } = GatewayDefaults.ReconnectMinDelayMs;
    public int ReconnectMaxDelayMs { get; set; } = GatewayDefaults.ReconnectMaxDelayMs;

    /// <summary>Per-meter uplink rate limit (token bucket, Ingest/MeterRateLimiter.cs). A meter that
    /// does not confirm, on the embedded broker: excess uplinks are refused unacknowledged (reason
    /// rate_limited); on an external broker not applied, the broker already acknowledged the device.
    /// A confirming meter, in both modes: paced (its confirmations wait), refused only beyond
    /// RateLimitBurst over its rate (docs/protocol.md, "Pacing"). 0 turns it off.</summary>
    public double RateLimitPerMeterPerSecond { get; set; } = GatewayDefaults.RateLimitPerMeterPerSecond;
    public int RateLimitBurst { get; set; } = GatewayDefaults.RateLimitBurst;

    /// <summary>External: the subscription watchdog publishes a heartbeat to itself this often and
    /// reconnects when none comes back within WatchdogTimeoutMs (Ingest/SubscriptionWatchdog.cs).
    /// 0 turns it off.</summary>
    public int WatchdogIntervalMs { get; set; } = Ingest.SubscriptionWatchdog.DefaultIntervalMs;
    public int WatchdogTimeoutMs { get; set; } = Ingest.SubscriptionWatchdog.DefaultTimeoutMs;

    /// <summary>Embedded, with RequireAuthentication: a refused connect makes the next connect of the
    /// same user name (or, after <see cref="BrokerAccounts.ConnectThrottle.AddressGrace"/> refusals, the
    /// same client address) wait this long, doubling per further refusal up to
    /// AuthFailureMaxDelayMs (BrokerAccounts/ConnectThrottle.cs). 0 turns the slowing off (still counted).</summary>
    public int AuthFailureDelayMs { get; set; } = GatewayDefaults.AuthFailureDelayMs;
    public int AuthFailureMaxDelayMs { get; set; } = GatewayDefaults.AuthFailureMaxDelayMs;

    /// <summary>Embedded: the TLS listener (MQTT over TLS), beside or instead of the plain one.</summary>
    public BrokerTlsOptions Tls { get; set; } = new();
}

/// <summary>The embedded broker's TLS listener (Options/BrokerCertificate.cs loads the certificate).
/// Same authentication and topic ACL as the plain listener: one broker, two sockets.</summary>
public sealed class BrokerTlsOptions
{
    /// <summary>0 = no TLS listener. 8883 is IANA's MQTT-over-TLS port. With a TLS port set,
    /// Broker:Port 0 turns the plain listener off.</summary>
    public int Port { get; set; }

    /// <summary>PEM certificate (chain) file, or a PKCS#12 (.pfx/.p12) file holding the key too.</summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>PEM private key file; empty when CertificateFile is PKCS#12 (or a PEM holding the key).</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>Secret (masked in the logged configuration): the PKCS#12 password, or the password
    /// of an encrypted PEM key.</summary>
    public string? Password { get; set; }

    public bool Enabled => Port > 0;
}

public sealed class HttpOptions
{
    public string Host { get; set; } = GatewayDefaults.HttpHost;
    public int Port { get; set; } = GatewayDefaults.HttpPort;
}

public sealed class StorageOptions
{
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Folder of the SQLite file (metering.db); relative paths are relative to the
    /// working directory.</summary>
    public string DataDirectory { get; set; } = GatewayDefaults.DataDirectory;

    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>Npgsql connection string of the PostgreSQL database (Provider Postgres only), e.g.
    /// "Host=db1,db2;Database=metering;Username=metering;Target Session Attributes=primary"; a secret
    /// when it holds a password, so never logged or echoed in messages.</summary>
    public string? ConnectionString { get; set; }
}

public sealed class LedgerOptions
{
    public int MaxBatchSize { get; set; } = GatewayDefaults.MaxBatchSize;
    public int QueueCapacity { get; set; } = GatewayDefaults.QueueCapacity;
}

public sealed class RegistryOptions
{
    /// <summary>Register unknown meters on their first reading, with the resource inferred from
    /// the unit. Off by default: an unknown meter is rejected as 'unknown_meter'.</summary>
    public bool AutoRegister { get; set; }
}

/// <summary>Only the sink kind: the Sinks feature binds the rest of Metering:Influx itself. Any
/// kind other than None makes the ledger write line-protocol rows into sink_outbox.</summary>
public sealed class InfluxKindOptions
{
    public string Kind { get; set; } = GatewayDefaults.InfluxKindNone;

    public bool SinkConfigured =>
        !string.IsNullOrWhiteSpace(Kind) && !Kind.Equals(GatewayDefaults.InfluxKindNone, StringComparison.OrdinalIgnoreCase);
}

public sealed class DemoOptions
{
    /// <summary>Number of simulated meters run in-process (0 = demo mode off).</summary>
    public int SimulatedMeters { get; set; }
}

public sealed class PolicyOptions
{
    /// <summary>The community's policy file (YAML, Policy/README.md); empty = no policy. Loaded and
    /// validated at start: an invalid file stops the gateway with exit code 2.</summary>
    public string File { get; set; } = GatewayDefaults.PolicyFile;

    public bool Configured => !string.IsNullOrWhiteSpace(File);
}
