namespace Commons.Metering.Gateway.Region;

/// <summary>The upward link's MQTT topics (docs/protocol.md, "Topics"; docs/federation.md, "Wire (MQTT)").
/// They have the shape of a device's topics with the region as the community level and the member
/// community as the meter level, so a community's account on the region's broker is an ordinary device
/// account (user = client id = community id, community = region id) and the broker's ACL already
/// confines it to its own report and answer topics: no new kind of account, on the embedded broker or
/// in mosquitto's acl_file.</summary>
public static class RegionTopics
{
    public const string ReportKind = "report";
    public const string AnswerKind = "answer";
    public const string RefusedKind = "refused";

    /// <summary>community -> region: commons/v1/{region}/{community}/up/report, the report of docs/federation.md.</summary>
    public static string Report(string region, string community) => $"commons/v1/{region}/{community}/up/{ReportKind}";

    /// <summary>region -> community: the answer, sent after the region's commit.</summary>
    public static string Answer(string region, string community) => $"commons/v1/{region}/{community}/down/{AnswerKind}";

    /// <summary>region -> community: why a report was not taken (the problem the HTTP side answers with).</summary>
    public static string Refused(string region, string community) => $"commons/v1/{region}/{community}/down/{RefusedKind}";

    /// <summary>What the region's listener subscribes to: every member's reports.</summary>
    public static string ReportFilter(string region) => $"commons/v1/{region}/+/up/{ReportKind}";

    /// <summary>The community level of a report topic of <paramref name="region"/>, or null.</summary>
    public static string? ReportingCommunity(string region, string topic) =>
        topic.Split('/') is { Length: 6 } p && p[0] == "commons" && p[1] == "v1" && p[2] == region && p[4] == "up" && p[5] == ReportKind
            && RegionIds.Valid(p[3]) ? p[3] : null;
}
