using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ingest.Confirmations;
using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Cluster;

/// <summary>A cluster instance's ingest: one persistent broker session per owned community (client
/// {Broker:ClientId}-{community}, subscribed to commons/v1/{community}/+/up/#), opened when the lease is
/// taken and closed when it is lost or handed back. The broker keeps each community's queue in that
/// session while nobody is connected to it, so the queue moves with the lease; whatever the old owner
/// did not commit and confirm, the devices and the broker send again, and (meter, seq) makes a second
/// copy a duplicate. Downlinks and confirmations leave through the session of their topic's community.</summary>
internal sealed class ClusterIngest(
    IngestPipeline pipeline,
    BrokerHealth health,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILoggerFactory loggers,
    string instance,
    System.Diagnostics.Metrics.IMeterFactory? metrics = null) : ILeaseListener, IDownlinkPublisher, IConfirmationPublisher
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ExternalBrokerIngest> _sessions = new(StringComparer.Ordinal);

    /// <summary>The owned communities whose session is open.</summary>
    public IReadOnlyList<string> Sessions
    {
        get { lock (_gate) return _sessions.Keys.Order(StringComparer.Ordinal).ToList(); }
    }

    public bool CanPublish
    {
        get { lock (_gate) return _sessions.Values.Any(s => s.CanPublish); }
    }

    public async Task AcquiredAsync(string community, CancellationToken cancellationToken)
    {
        // A health of its own: a community's session must not turn the instance's /healthz (which says
        // whether this instance works) on and off; the cluster status lists the sessions.
        var session = new ExternalBrokerIngest(pipeline, new BrokerHealth(), options, time,
            loggers.CreateLogger<ExternalBrokerIngest>(), metrics, community);
        lock (_gate)
        {
            if (_sessions.ContainsKey(community)) return;
            _sessions[community] = session;
        }
        await session.StartAsync(cancellationToken).ConfigureAwait(false);
        SetHealth();
    }

    public async Task LostAsync(string community, CancellationToken cancellationToken)
    {
        ExternalBrokerIngest? session;
        lock (_gate) _sessions.Remove(community, out session);
        if (session is null) return;
        await session.StopAsync(cancellationToken).ConfigureAwait(false);
        session.Dispose();
        SetHealth();
    }

    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        SessionOf(topic).PublishAsync(topic, payload, cancellationToken);

    public Task PublishConfirmationAsync(string meter, string topic, byte[] payload, CancellationToken cancellationToken) =>
        SessionOf(topic).PublishConfirmationAsync(meter, topic, payload, cancellationToken);

    /// <summary>Called once at start: an instance that owns nothing (yet) is healthy, it stands by.</summary>
    public void Started() => SetHealth();

    private void SetHealth()
    {
        var owned = Sessions;
        health.Set(true, owned.Count == 0
            ? $"cluster instance '{instance}': owns no community now (standing by)"
            : $"cluster instance '{instance}': sessions on {options.Value.Broker.Host}:{options.Value.Broker.Port} for {string.Join(", ", owned)}");
    }

    /// <summary>commons/v1/{community}/...: the session of that community, which this instance must own.</summary>
    private ExternalBrokerIngest SessionOf(string topic)
    {
        var parts = topic.Split('/', 4);
        var community = parts.Length >= 3 ? parts[2] : "";
        lock (_gate)
            return _sessions.TryGetValue(community, out var s) ? s
                : throw new InvalidOperationException($"community '{community}' is not owned by instance '{instance}': no session to publish {topic} through");
    }
}
