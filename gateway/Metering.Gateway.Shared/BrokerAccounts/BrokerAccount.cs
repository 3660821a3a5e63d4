using System.Text.Json.Serialization;

namespace Commons.Metering.Gateway.BrokerAccounts;

/// <summary>What an account may do on the broker.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BrokerRole>))]
public enum BrokerRole
{
    /// <summary>One meter: publishes only under its own uplink topics, reads only its own downlinks.
    /// User name = meter id = MQTT client id.</summary>
    Device,

    /// <summary>The gateway (external-broker mode): reads every uplink, writes every downlink.</summary>
    Gateway,
}

/// <summary>One broker account in the credentials file. Only the salted hash of the password is
/// stored (<see cref="MosquittoPasswordHash"/>); the password itself is shown once, when created.</summary>
public sealed record BrokerAccount
{
    public required string User { get; init; }
    public required BrokerRole Role { get; init; }

    /// <summary>Device accounts: the community of the meter (the topic's second level).</summary>
    public string? Community { get; init; }

    /// <summary>$7$iterations$salt$hash, exactly as written to mosquitto's password_file.</summary>
    public required string PasswordHash { get; init; }

    /// <summary>Topic filters this account may publish to (MQTT wildcards allowed).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> PublishFilters => Role switch
    {
        BrokerRole.Device => [$"{TopicAcl.Root}/{Community}/{User}/up/#"],
        // Downlinks to every device, and the subscription watchdog's heartbeat to itself
        // (Ingest/SubscriptionWatchdog.cs; "_gateway" is no valid community, so no device topic).
        _ => [$"{TopicAcl.Root}/+/+/down/#", $"{TopicAcl.Root}/_gateway/+/up/heartbeat"],
    };

    /// <summary>Topic filters this account may subscribe to and receive from.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> ReadFilters => Role switch
    {
        BrokerRole.Device => [$"{TopicAcl.Root}/{Community}/{User}/down/#"],
        _ => [$"{TopicAcl.Root}/+/+/up/#"],
    };
}
