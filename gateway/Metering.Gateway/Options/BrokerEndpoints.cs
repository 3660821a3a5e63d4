namespace Commons.Metering.Gateway.Options;

/// <summary>One MQTT listener of an external broker.</summary>
internal readonly record struct BrokerEndpoint(string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>Broker:Servers, "host1:port1,host2:port2": the listeners of one broker cluster (NATS
/// nodes, EMQX or VerneMQ nodes) that hold the gateway's session between them. The gateway takes the
/// next one on every reconnect, so a dead node costs one failed attempt. Unset: Broker:Host and
/// Broker:Port alone.</summary>
internal static class BrokerEndpoints
{
    /// <summary>Upper bound of the list (our choice: a cluster of more nodes is reached through a
    /// load balancer or DNS name, not a list in a setting).</summary>
    internal const int MaxServers = 16;

    /// <summary>The endpoints the gateway rotates through; Broker:Servers when set, else Host:Port.</summary>
    public static IReadOnlyList<BrokerEndpoint> Of(BrokerOptions o) =>
        string.IsNullOrWhiteSpace(o.Servers) ? [new BrokerEndpoint(o.Host, o.Port)]
        : TryParse(o.Servers, out var list, out var error) ? list
        : throw new InvalidOperationException(error);

    /// <summary>Parses "host:port,host:port"; false with the reason for an empty entry, a missing or
    /// out-of-range port, a duplicate or too many entries.</summary>
    public static bool TryParse(string text, out IReadOnlyList<BrokerEndpoint> endpoints, out string error)
    {
        var list = new List<BrokerEndpoint>();
        endpoints = list;
        error = "";
        foreach (var raw in text.Split(','))
        {
            var entry = raw.Trim();
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || colon == entry.Length - 1)
            {
                error = $"entry '{entry}' is not host:port";
                return false;
            }
            var host = entry[..colon];
            if (!int.TryParse(entry[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
                || port is < 1 or > 65535)
            {
                error = $"entry '{entry}' needs a port between 1 and 65535";
                return false;
            }
            if (host.Contains(':', StringComparison.Ordinal) || host.Any(char.IsWhiteSpace))
            {
                error = $"entry '{entry}' has no valid host (an IPv6 address goes in Broker:Host)";
                return false;
            }
            var endpoint = new BrokerEndpoint(host, port);
            if (list.Contains(endpoint))
            {
                error = $"entry '{entry}' is listed twice";
                return false;
            }
            list.Add(endpoint);
        }
        if (list.Count > MaxServers)
        {
            error = $"lists {list.Count} servers, at most {MaxServers}";
            return false;
        }
        return true;
    }
}
