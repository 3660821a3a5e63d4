namespace Commons.Metering.Gateway.Ingest;

/// <summary>Notices a "connected but deaf" subscription on an external broker: the
/// TCP connection looks alive but nothing reaches the gateway any more (a half-open connection after
/// a NAT or firewall dropped its state, a broker that lost the subscription). Every interval the
/// gateway publishes a heartbeat to a topic its own uplink subscription matches; every message
/// received (heartbeat or uplink) counts as heard. No message within the timeout: deaf, and the
/// caller drops the connection, reconnects and subscribes again. MQTT keep-alive alone takes 1.5x
/// the keep-alive period (45 s here) and does not see a lost subscription at all.
/// The watchdog arms only once a heartbeat came back on the connection: a broker whose ACL does
/// not let the gateway publish there drops the heartbeats silently (mosquitto still PUBACKs), and
/// that must not read as deafness on a quiet system.</summary>
internal sealed class SubscriptionWatchdog(TimeProvider time, int intervalMs, int timeoutMs)
{
    /// <summary>Our choice: a heartbeat every 5 s costs nothing on a LAN broker.</summary>
    public const int DefaultIntervalMs = 5_000;

    /// <summary>Our choice: three heartbeats missed; well under MQTT's keep-alive detection (45 s).</summary>
    public const int DefaultTimeoutMs = 15_000;

    private long _lastHeard = time.GetTimestamp();
    private volatile bool _echoed;
    private volatile bool _holding;

    /// <summary>Set while the gateway itself withholds PUBACKs (the ledger cannot commit): the broker
    /// stops sending once its in-flight window for the gateway is full, and that silence is the
    /// gateway's own doing, not deafness. Reconnecting would only make the broker resend the window.</summary>
    public bool Holding
    {
        set => _holding = value;
    }

    public bool Enabled => intervalMs > 0 && timeoutMs > 0;

    /// <summary>commons/v1/_gateway/{client id}/up/heartbeat: matched by
    /// <see cref="UplinkTopic.SubscriptionFilter"/>, never a device topic ("_gateway" is no valid
    /// community id), so no device can fake it and no real uplink is mistaken for it.</summary>
    public static string HeartbeatTopic(string clientId) =>
        $"{UplinkTopic.Root}/{UplinkTopic.LayoutVersion}/_gateway/{Sanitize(clientId)}/up/heartbeat";

    public void Heard() => Interlocked.Exchange(ref _lastHeard, time.GetTimestamp());

    /// <summary>A heartbeat came back: the round trip works on this connection.</summary>
    public void Echoed()
    {
        _echoed = true;
        Heard();
    }

    /// <summary>Publishes heartbeats until nothing has been heard for the timeout (returns why, with
    /// <c>Deaf</c> true), until no heartbeat came back within the timeout of the connection's start
    /// (Deaf false: the watchdog cannot work here and stops), or until the token is cancelled (the
    /// connection ended otherwise).</summary>
    public async Task<(bool Deaf, string Why)> RunAsync(Func<CancellationToken, Task> publishHeartbeat, CancellationToken cancellationToken)
    {
        _echoed = false;
        Heard();
        var started = time.GetTimestamp();
        var interval = TimeSpan.FromMilliseconds(intervalMs);
        while (true)
        {
            try
            {
                using var publishTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                publishTimeout.CancelAfter(TimeSpan.FromMilliseconds(timeoutMs));
                await publishHeartbeat(publishTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // A heartbeat whose PUBACK is late while uplinks keep arriving is a busy connection,
                // not a deaf one: reconnecting would only make the broker resend its in-flight window.
                if (!_echoed || _holding || time.GetElapsedTime(Interlocked.Read(ref _lastHeard)).TotalMilliseconds > timeoutMs)
                    return (true, $"heartbeat publish failed: {e.Message}");
            }
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
            if (_holding)
            {
                Heard();
                started = time.GetTimestamp();
                continue;
            }
            if (!_echoed)
            {
                if (time.GetElapsedTime(started).TotalMilliseconds > timeoutMs)
                    return (false, $"no heartbeat came back within {timeoutMs} ms of connecting; may the gateway's broker account publish to its heartbeat topic?");
                continue;
            }
            var silentMs = time.GetElapsedTime(Interlocked.Read(ref _lastHeard)).TotalMilliseconds;
            if (silentMs > timeoutMs) return (true, $"no message from the broker for {silentMs:F0} ms (heartbeat every {intervalMs} ms)");
        }
    }

    /// <summary>The client id as one safe topic level: letters, digits, '_' and '-' stay, anything
    /// else becomes '_' and then a short hash of the whole id follows, so two ids that differ only
    /// there keep apart. Beyond MQTT's own wildcards and separator: nats-server before 2.10 refuses
    /// a topic holding '.' or ' ' and drops the connection (its subjects separate tokens with '.'),
    /// so a gateway named "gw.site 1" reconnected in a loop on a NATS cluster.</summary>
    internal static string Sanitize(string clientId)
    {
        var chars = clientId.ToCharArray();
        var changed = false;
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '_' or '-') continue;
            chars[i] = '_';
            changed = true;
        }
        if (chars.Length == 0) return "_";
        if (!changed) return clientId;
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(clientId));
        return new string(chars) + "-" + Convert.ToHexStringLower(hash, 0, 4);
    }
}
