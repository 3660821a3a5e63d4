using System.Diagnostics.Metrics;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>What the broker side of ingest counts, on /metrics: the embedded broker's refusals, routing
/// and TLS certificate, the external broker's watchdog.</summary>
internal sealed class BrokerMetrics
{
    public const string MeterName = "Metering.Ingest.Broker";

    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _authDelayed;
    private readonly Counter<long> _oversized;
    private readonly Gauge<int> _uplinkRouting;
    private readonly Gauge<int> _downlinkRouting;
    private readonly Counter<long> _watchdogReconnects;

    public BrokerMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _authFailures = Meter.CreateCounter<long>("metering_broker_auth_failures_total",
            description: "Embedded broker: connects refused, by reason (anonymous, unknown_user, wrong_password, client_id_not_meter_id).");
        _authDelayed = Meter.CreateCounter<long>("metering_broker_auth_delayed_total",
            description: "Embedded broker: connects held back because their user name or address was refused before.");
        _oversized = Meter.CreateCounter<long>("metering_broker_oversized_packets_total",
            description: "Embedded broker: connections closed because a packet announced more than Broker:MaxPacketBytes (before it was read).");
        _uplinkRouting = Meter.CreateGauge<int>("metering_broker_uplink_routing",
            description: "Embedded broker: 1 once a client subscribed to uplinks, so every uplink is also routed to subscribers (a cost that grows with the connected devices); 0 until then.");
        _downlinkRouting = Meter.CreateGauge<int>("metering_broker_downlink_routing",
            description: "Embedded broker: 1 once a client subscribed to a filter that can match other clients' downlinks, so every command is routed through every session (a cost that grows with the sessions); 0 while each goes straight to its device's session.");
        _watchdogReconnects = Meter.CreateCounter<long>("metering_broker_watchdog_reconnects_total",
            description: "External broker: connections the subscription watchdog found deaf and dropped to reconnect and resubscribe.");
        _authDelayed.Add(0);
        _oversized.Add(0);
        _uplinkRouting.Record(0);
        _downlinkRouting.Record(0);
        _watchdogReconnects.Add(0);
        foreach (var reason in BrokerAccounts.BrokerAuthorizer.RefusalReasons) _authFailures.Add(0, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>The broker's meter, for the TLS certificate's instruments (ReloadingCertificate).</summary>
    internal Meter Meter { get; }

    public void CountAuthFailure(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void CountAuthDelayed() => _authDelayed.Add(1);

    public void CountOversizedPacket() => _oversized.Add(1);

    public void UplinksRouted() => _uplinkRouting.Record(1);

    public void DownlinksRouted() => _downlinkRouting.Record(1);

    public void CountWatchdogReconnect() => _watchdogReconnects.Add(1);
}
