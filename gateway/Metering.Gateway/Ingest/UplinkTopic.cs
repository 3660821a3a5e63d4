using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>commons/v1/{community}/{meter}/up/{reading|event|status|ack|gauge} (docs/protocol.md, "Topics").</summary>
public readonly partial record struct UplinkTopic(string Community, string Meter, UplinkKind Kind)
{
    public const string Root = "commons";
    public const string LayoutVersion = "v1";

    /// <summary>The gateway's subscription on an external broker.</summary>
    public const string SubscriptionFilter = "commons/v1/+/+/up/#";

    /// <summary>True for topics the gateway owns: under commons/ with an "up" level. Anything else
    /// (downlinks, other applications) passes through the embedded broker untouched.</summary>
    public static bool IsUplinkCandidate(string topic) =>
        topic.StartsWith(Root + "/", StringComparison.Ordinal) && topic.Contains("/up", StringComparison.Ordinal) && !IsRegionReport(topic);

    /// <summary>A member community's report to its region, commons/v1/{region}/{community}/up/report
    /// (Region/RegionTopics.cs): the region's listener takes it, not the meter pipeline, so it is neither
    /// ingested nor counted as a rejected uplink.</summary>
    public static bool IsRegionReport(string topic) =>
        topic.EndsWith("/up/report", StringComparison.Ordinal) && topic.StartsWith(Root + "/" + LayoutVersion + "/", StringComparison.Ordinal);

    /// <summary>True when an MQTT topic filter can match some topic <see cref="TryParse"/> accepts (a
    /// shared subscription's "$share/{group}/" stripped). Errs towards true: a community or meter level
    /// is matched by any literal.</summary>
    public static bool FilterMayMatch(string filter)
    {
        filter = BrokerAccounts.TopicAcl.WithoutShare(filter);
        return KindFilters.Any(uplinks => BrokerAccounts.TopicAcl.Overlap(filter, uplinks));
    }

    /// <summary>Every uplink topic, one filter per kind: commons/v1/+/+/up/{kind}.</summary>
    private static readonly string[] KindFilters = Enum.GetValues<UplinkKind>()
        .Select(k => $"{Root}/{LayoutVersion}/+/+/up/{k.ToString().ToLowerInvariant()}").ToArray();

    public static bool TryParse(string topic, out UplinkTopic parsed)
    {
        parsed = default;
        var parts = topic.Split('/');
        if (parts.Length != 6 || parts[0] != Root || parts[1] != LayoutVersion || parts[4] != "up") return false;
        if (!IsId(parts[2]) || !IsId(parts[3])) return false;
        UplinkKind kind;
        switch (parts[5])
        {
            case "reading": kind = UplinkKind.Reading; break;
            case "event": kind = UplinkKind.Event; break;
            case "status": kind = UplinkKind.Status; break;
            case "ack": kind = UplinkKind.Ack; break;
            case "gauge": kind = UplinkKind.Gauge; break;
            default: return false;
        }
        parsed = new UplinkTopic(parts[2], parts[3], kind);
        return true;
    }

    /// <summary>Community and meter ids: ^[a-z0-9][a-z0-9_-]{0,47}$ (docs/protocol.md, "Topics").</summary>
    public static bool IsId(string? value) => WireIds.IsId(value);

    public override string ToString() =>
        $"{Root}/{LayoutVersion}/{Community}/{Meter}/up/{Kind.ToString().ToLowerInvariant()}";
}
