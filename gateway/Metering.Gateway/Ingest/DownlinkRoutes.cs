using System.Collections.Concurrent;
using Commons.Metering.Gateway.BrokerAccounts;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>Which downlinks (commands and confirmations) the embedded broker may hand straight to one
/// device's session.
///
/// MQTTnet routes a message by checking the subscriptions of every session that holds one
/// (MqttClientSessionsManager.DispatchApplicationMessage), and every device holds one (its
/// down/cmd), online or asleep. Measured (`Metering.Bench routing`, docs/benchmarks.md): 17 us per
/// command with 100 sessions, 3.7 ms with 10,000; a council's "shed every discretionary load" in a
/// 10,000-meter community was ~37 s of broker time. A command is for one device, so when only that
/// device can receive it, it is enqueued in its session directly (MqttSessionStatus
/// .TryEnqueueApplicationMessage: queued while it sleeps, delivered at QoS 1, as routing would).
///
/// Confirmations (down/confirm, one per meter per ledger batch) take the same shortcut for the same reason.
///
/// Only when routing would deliver it to exactly that session: the device (client id = meter id,
/// docs/protocol.md) subscribed to exactly its own command (or confirmation) topic, has not unsubscribed it nor come back
/// with a clean session since (which drops its subscriptions), and no client ever subscribed to a
/// filter that can match another downlink (an operator's `mosquitto_sub -t 'commons/v1/+/+/down/#'`).
/// After such a subscription every downlink is routed by MQTTnet for the rest of the run, as with
/// uplinks: a clean session replaces the old one without an event, so the last such subscriber's
/// going cannot be told reliably, and routing too little would lose messages.</summary>
internal sealed class DownlinkRoutes
{
    /// <summary>The downlinks that may take the shortcut (docs/protocol.md, "Topics").</summary>
    private static readonly string[] Kinds = ["cmd", "confirm"];

    /// <summary>Every downlink topic.</summary>
    private static readonly string AllDownlinks = $"{TopicAcl.Root}/+/+/down/#";

    /// <summary>(client id, kind) -> the own downlink topic of that kind it subscribed to.</summary>
    private readonly ConcurrentDictionary<(string Client, string Kind), string> _own = new();
    private volatile bool _watched;

    /// <summary>True once some client subscribed to a filter that can match another client's downlink.</summary>
    public bool Watched => _watched;

    /// <summary>Call for every subscription the broker accepts; true when it is the first one that
    /// makes downlinks watched (to say so once).</summary>
    public bool Subscribed(string clientId, string filter)
    {
        if (TryParseOwn(filter, out var meter, out var kind) && meter == clientId)
        {
            _own[(clientId, kind)] = filter;
            return false;
        }
        if (_watched || !MayMatchDownlink(filter)) return false;
        _watched = true;
        return true;
    }

    public void Unsubscribed(string clientId, string filter)
    {
        foreach (var kind in Kinds) _own.TryRemove(new KeyValuePair<(string, string), string>((clientId, kind), filter));
    }

    /// <summary>The client connected with a clean session, or its session ended: its subscriptions are gone.</summary>
    public void Forget(string clientId)
    {
        foreach (var kind in Kinds) _own.TryRemove((clientId, kind), out _);
    }

    /// <summary>The client id whose session alone would receive <paramref name="topic"/>, or null when
    /// MQTTnet must route it.</summary>
    public string? SoleRecipient(string topic) =>
        !_watched && TryParseOwn(topic, out var meter, out var kind) && _own.TryGetValue((meter, kind), out var subscribed) && subscribed == topic ? meter : null;

    /// <summary>commons/v1/{community}/{meter}/down/{cmd|confirm} with valid ids.</summary>
    private static bool TryParseOwn(string topic, out string meter, out string kind)
    {
        meter = "";
        kind = "";
        var parts = topic.Split('/');
        if (parts.Length != 6 || $"{parts[0]}/{parts[1]}" != TopicAcl.Root || parts[4] != "down" || Array.IndexOf(Kinds, parts[5]) < 0) return false;
        if (!UplinkTopic.IsId(parts[2]) || !UplinkTopic.IsId(parts[3])) return false;
        meter = parts[3];
        kind = parts[5];
        return true;
    }

    /// <summary>Errs towards true, like <see cref="UplinkTopic.FilterMayMatch"/> (a shared
    /// subscription's "$share/{group}/" stripped).</summary>
    private static bool MayMatchDownlink(string filter) => TopicAcl.Overlap(TopicAcl.WithoutShare(filter), AllDownlinks);
}
