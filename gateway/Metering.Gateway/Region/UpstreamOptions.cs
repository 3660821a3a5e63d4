using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Region;

/// <summary>This community reports to a region (section Metering:Upstream; environment
/// Metering__Upstream__Url=https://region.example/). Absent (no Url) = no region. Needs a policy file:
/// the report is built from the policy's households and the runtime's use and stages.</summary>
public sealed class UpstreamOptions
{
    public const string Section = "Metering:Upstream";

    /// <summary>The region: with Transport http its gateway's base address (reports go to
    /// {Url}/api/v1/region/reports); with mqtt its broker, mqtt://host:port or mqtts://host:port.</summary>
    public string Url { get; set; } = "";

    /// <summary>http (HTTP or HTTPS, by the Url's scheme) or mqtt (the gateway's own MQTT client on the
    /// region's broker, as this community's account there): docs/federation.md, "Wire (MQTT)".</summary>
    public string Transport { get; set; } = "http";

    /// <summary>With mqtt: the region's id, the community level of the region's topics.</summary>
    public string Region { get; set; } = "";

    /// <summary>With mqtt: how long to wait for the region's answer before sending the report again.
    /// 30 s, as the HTTP request's timeout (RegionServices.UpstreamTimeout): a report is a few hundred
    /// bytes, a slower answer means a broken link.</summary>
    public int AnswerTimeoutSeconds { get; set; } = 30;

    /// <summary>This community's token at the region (the region keeps only its SHA-256); masked in the log.</summary>
    public string Token { get; set; } = "";

    /// <summary>A report every 5 min: the region's allocation follows use within minutes, far finer
    /// than any budget period (a day at least), at 288 small requests a day.</summary>
    public int ReportIntervalSeconds { get; set; } = 300;

    /// <summary>First retry after a failed send; doubles up to <see cref="RetryMaxSeconds"/>.</summary>
    public int RetryMinSeconds { get; set; } = 5;

    /// <summary>Longest wait between retries while the region is unreachable.</summary>
    public int RetryMaxSeconds { get; set; } = 300;

    /// <summary>Reports and delegated caps waiting or kept; empty = {DataDirectory}/upstream.db.</summary>
    public string StateFile { get; set; } = "";

    /// <summary>Shared gauges this community reports to the region under a regional name (a river's
    /// level for the region's stage triggers). Only these leave; name only gauges of shared meters.</summary>
    public List<UpstreamGaugeOptions> Gauges { get; set; } = [];

    public bool Configured => !string.IsNullOrWhiteSpace(Url);

    public bool OverMqtt => Transport == "mqtt";

    public Uri BrokerUri => new(Url);

    public Uri ReportsUri => new(new Uri(Url.EndsWith('/') ? Url : Url + "/"), "api/v1/region/reports");

    public static UpstreamOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<UpstreamOptions>() ?? new UpstreamOptions();

    public string StatePath(string dataDirectory) =>
        string.IsNullOrWhiteSpace(StateFile) ? Path.Combine(dataDirectory, "upstream.db") : StateFile;

    public IEnumerable<string> Errors(bool policyConfigured)
    {
        if (!Configured) yield break;
        if (Transport is not ("http" or "mqtt")) yield return $"{Section}:Transport '{Transport}' must be http or mqtt";
        else if (!OverMqtt && (!Uri.TryCreate(Url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")))
            yield return $"{Section}:Url '{Url}' must be an absolute http:// or https:// address (Transport http)";
        else if (OverMqtt && (!Uri.TryCreate(Url, UriKind.Absolute, out var m) || m.Scheme is not ("mqtt" or "mqtts") || m.AbsolutePath is not ("" or "/")))
            yield return $"{Section}:Url '{Url}' must be the region's broker, mqtt://host:port or mqtts://host:port (Transport mqtt)";
        if (OverMqtt && !RegionIds.Valid(Region)) yield return $"{Section}:Region '{Region}' must be the region's id ({RegionIds.Pattern}) with Transport mqtt: its topics carry it";
        if (Gauges.Count > RegionWire.MaxGauges) yield return $"{Section}:Gauges lists {Gauges.Count}; a report carries at most {RegionWire.MaxGauges}";
        for (var i = 0; i < Gauges.Count; i++)
            if (!RegionIds.Valid(Gauges[i].Meter) || string.IsNullOrWhiteSpace(Gauges[i].Gauge) || !RegionIds.Valid(Gauges[i].Name))
                yield return $"{Section}:Gauges:{i} needs Meter (a meter id), Gauge (its gauge's name) and Name (the regional name, {RegionIds.Pattern})";
        if (AnswerTimeoutSeconds is < 1 or > 600) yield return $"{Section}:AnswerTimeoutSeconds must be between 1 and 600 (is {AnswerTimeoutSeconds})";
        if (string.IsNullOrWhiteSpace(Token)) yield return $"{Section}:Token is required with {Section}:Url (the region keeps its SHA-256)";
        if (!policyConfigured) yield return $"{Section}:Url needs a policy file (Metering:Policy:File): the reports are built from it";
        if (ReportIntervalSeconds is < 1 or > 86_400) yield return $"{Section}:ReportIntervalSeconds must be between 1 and 86400 (is {ReportIntervalSeconds})";
        if (RetryMinSeconds < 1) yield return $"{Section}:RetryMinSeconds must be at least 1 (is {RetryMinSeconds})";
        if (RetryMaxSeconds < RetryMinSeconds) yield return $"{Section}:RetryMaxSeconds must be at least RetryMinSeconds (is {RetryMaxSeconds})";
    }
}

/// <summary>One gauge reported upward: meter <see cref="Meter"/>'s gauge <see cref="Gauge"/> as <see cref="Name"/>.</summary>
public sealed class UpstreamGaugeOptions
{
    public string Meter { get; set; } = "";

    public string Gauge { get; set; } = "";

    public string Name { get; set; } = "";
}
