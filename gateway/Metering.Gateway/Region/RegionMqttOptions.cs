namespace Commons.Metering.Gateway.Region;

/// <summary>The region's listener on a broker (Metering:Region:Mqtt): the region gateway's own embedded
/// broker (Host 127.0.0.1 and its Broker:Port) or the mosquitto its members reach. It signs in with a
/// gateway account of that broker, which reads every uplink and writes every downlink, so it reads the
/// members' reports and writes their answers. Each member signs in with its own device account there
/// (user = community id, community = the region's id): RegionTopics.</summary>
public sealed class RegionMqttOptions
{
    /// <summary>The broker's address; empty = reports over HTTP only.</summary>
    public string Host { get; set; } = "";

    /// <summary>1883, MQTT's IANA port.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>The listener's client id. Not a valid community id (they start with a letter or digit),
    /// so no member's connection can take over its session.</summary>
    public string ClientId { get; set; } = "_region";

    public string Username { get; set; } = "";

    /// <summary>Masked in the log.</summary>
    public string Password { get; set; } = "";

    /// <summary>First reconnect after a lost connection; doubles up to 60 s (our choice: a region's
    /// members resend unanswered reports, so a slower reconnect only delays their answers).</summary>
    public int ReconnectMinSeconds { get; set; } = 1;

    public bool Configured => !string.IsNullOrWhiteSpace(Host);

    public IEnumerable<string> Errors(string key)
    {
        if (!Configured) yield break;
        if (Port is < 1 or > 65_535) yield return $"{key}:Port must be between 1 and 65535 (is {Port})";
        if (string.IsNullOrWhiteSpace(ClientId)) yield return $"{key}:ClientId cannot be empty";
        if (ReconnectMinSeconds is < 1 or > 60) yield return $"{key}:ReconnectMinSeconds must be between 1 and 60 (is {ReconnectMinSeconds})";
    }
}
