using System.Globalization;

namespace Commons.Metering.Firmware.Host.Mqtt;

/// <summary>Where and how a host device reaches its broker. Credentials are optional
/// (the per-meter accounts come from the technicians' provisioning tool).</summary>
public sealed record MqttBrokerOptions
{
    /// <summary>MQTT's registered port (IANA, RFC-free TCP 1883).</summary>
    public const int DefaultPort = 1883;

    public required string Host { get; init; }
    public int Port { get; init; } = DefaultPort;

    /// <summary>Further listeners of the same broker cluster (NATS, EMQX or VerneMQ nodes sharing the
    /// device's session). The transport takes the next endpoint on every connection attempt.</summary>
    public IReadOnlyList<(string Host, int Port)> AlsoAt { get; init; } = [];

    /// <summary>Host:Port first, then <see cref="AlsoAt"/>.</summary>
    public IReadOnlyList<(string Host, int Port)> Endpoints => [(Host, Port), .. AlsoAt];

    /// <summary>Parses "host:port,host:port,..." (each entry as <see cref="Parse"/>): the first is
    /// Host:Port, the rest <see cref="AlsoAt"/>.</summary>
    public static MqttBrokerOptions ParseList(string endpoints)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoints);
        var all = endpoints.Split(',').Select(e => e.Trim().Length == 0
            ? throw new FormatException($"'{endpoints}': an empty entry") : Parse(e)).ToList();
        if (all.Select(e => (e.Host, e.Port)).Distinct().Count() != all.Count) throw new FormatException($"'{endpoints}': an endpoint is listed twice");
        return all[0] with { AlsoAt = all.Skip(1).Select(e => (e.Host, e.Port)).ToList() };
    }
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>How long a blocking Connect may take before it reports failure.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a PUBACK may take. Past it the connection is treated as broken and
    /// dropped, so the core resends from its outbox after reconnecting (a gateway that acks only
    /// after its commit may be slow, so this is generous).</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>MQTT keep-alive; M2Mqtt on the device uses 60 s (M2Mqtt MqttMsgConnect.KEEP_ALIVE_PERIOD_DEFAULT).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Parses "host", "host:port" or "[v6]:port".</summary>
    public static MqttBrokerOptions Parse(string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        var text = endpoint.Trim();
        if (text.StartsWith("mqtt://", StringComparison.OrdinalIgnoreCase)) text = text[7..];
        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw new FormatException($"'{endpoint}': missing ']'");
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':') throw new FormatException($"'{endpoint}': expected ':port' after ']'");
                portText = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':');
            host = text[..colon];
            portText = text[(colon + 1)..];
        }
        else
        {
            host = text; // a name, an IPv4 address or a bare IPv6 address
        }
        var port = DefaultPort;
        if (portText is not null &&
            (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            throw new FormatException($"'{endpoint}': the port must be 1-65535");
        if (host.Length == 0) throw new FormatException($"'{endpoint}': no host");
        return new MqttBrokerOptions { Host = host, Port = port };
    }

    public override string ToString() => string.Join(',', Endpoints.Select(e => $"{e.Host}:{e.Port}")) + (Username is null ? "" : $" as {Username} (password {(Password is null ? "none" : "***")})");
}
