using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Cluster;

/// <summary>Several gateway instances on one PostgreSQL database and one external broker, each owning
/// some communities through a lease (section Metering:Cluster; README.md). Off (no Communities) = the
/// single gateway owns everything, as always.</summary>
public sealed class ClusterOptions
{
    public const string Section = "Metering:Cluster";

    /// <summary>This instance's name in the lease rows; empty = host name and process id, unique per
    /// process on a machine and readable in the lease table.</summary>
    public string InstanceId { get; set; } = "";

    /// <summary>The communities the cluster serves, separated by commas; every instance lists the same.
    /// Empty = cluster off.</summary>
    public string Communities { get; set; } = "";

    /// <summary>How long a lease lasts after its last renewal. 10 s: a dead instance's communities are
    /// taken over within about that, inside the 15 s a takeover may take (README.md).</summary>
    public int LeaseSeconds { get; set; } = 10;

    /// <summary>How often an instance renews its leases, beats its heartbeat and looks for free ones.
    /// 3 s: two renewals may fail before the instance gives a lease up (at LeaseSeconds - RenewSeconds
    /// after its last renewal), so one slow round trip does not move a community.</summary>
    public int RenewSeconds { get; set; } = 3;

    /// <summary>This instance's HTTP address as others reach it (e.g. http://gw2.example:8080/): any
    /// instance answers "owned by {instance} at {url}" for what only the owner knows. Empty = the HTTP
    /// listener's own address.</summary>
    public string AdvertisedUrl { get; set; } = "";

    public bool Enabled => CommunityList.Count > 0;

    public IReadOnlyList<string> CommunityList =>
        Communities.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();

    /// <summary><see cref="InstanceId"/>, or host name and process id when it is empty.</summary>
    public string EffectiveInstanceId =>
        string.IsNullOrWhiteSpace(InstanceId) ? $"{Environment.MachineName}-{Environment.ProcessId}" : InstanceId.Trim();

    public string EffectiveUrl(HttpOptions http) =>
        string.IsNullOrWhiteSpace(AdvertisedUrl) ? $"http://{http.Host}:{http.Port}/" : AdvertisedUrl.Trim();

    /// <summary>The local deadline of a lease: given up this long after the start of its last successful
    /// renewal, one renewal period before the database could let another instance take it.</summary>
    public TimeSpan GiveUpAfter => TimeSpan.FromSeconds(LeaseSeconds - RenewSeconds);

    public static ClusterOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ClusterOptions>() ?? new ClusterOptions();

    public IEnumerable<string> Errors(GatewayOptions gateway)
    {
        if (!Enabled)
        {
            if (!string.IsNullOrWhiteSpace(InstanceId) || !string.IsNullOrWhiteSpace(AdvertisedUrl))
                yield return $"{Section}:InstanceId and AdvertisedUrl apply only with {Section}:Communities (the communities the cluster serves, e.g. \"north,south\")";
            yield break;
        }
        if (gateway.Storage.Provider != StorageProvider.Postgres)
            yield return $"{Section}:Communities needs Metering:Storage:Provider Postgres (is {gateway.Storage.Provider}): the instances share the ledger and the leases in one PostgreSQL database";
        if (gateway.Broker.Mode != BrokerMode.External)
            yield return $"{Section}:Communities needs Metering:Broker:Mode External (is {gateway.Broker.Mode}): the instances share one broker, where each owned community's session waits for its owner";
        foreach (var c in CommunityList)
            if (!Ingest.UplinkTopic.IsId(c))
                yield return $"{Section}:Communities: '{c}' is not a community id (lower-case letters, digits, '-' and '_', up to 48, as in the topics)";
        if (RenewSeconds < 1) yield return $"{Section}:RenewSeconds must be at least 1 (is {RenewSeconds})";
        else if (LeaseSeconds < 2 * RenewSeconds)
            yield return $"{Section}:LeaseSeconds must be at least twice RenewSeconds (is {LeaseSeconds}, RenewSeconds {RenewSeconds}): an instance gives a lease up at LeaseSeconds - RenewSeconds after its last renewal and needs one renewal in between";
        if (LeaseSeconds > 3600) yield return $"{Section}:LeaseSeconds must be at most 3600 (is {LeaseSeconds}): a dead instance's communities wait this long";
        var id = EffectiveInstanceId;
        if (id.Length > 200) yield return $"{Section}:InstanceId must be at most 200 characters (is {id.Length})";
        if (!string.IsNullOrWhiteSpace(AdvertisedUrl) && (!Uri.TryCreate(AdvertisedUrl.Trim(), UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")))
            yield return $"{Section}:AdvertisedUrl '{AdvertisedUrl}' must be an absolute http:// or https:// address";
    }
}
