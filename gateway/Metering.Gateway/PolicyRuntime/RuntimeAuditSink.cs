using System.Text.Json;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The audit log as the runtime uses it: every record is appended (hash-chained, synced) and
/// then published as a live event, and breaker transitions are handed to <paramref name="breakerChanged"/>
/// (breaker id, audit kind) so the breaker board persists and counts them. Each record's seq and hash become the
/// chain's anchor in <paramref name="store"/> (<see cref="AuditAnchor"/>).</summary>
internal sealed class RuntimeAuditSink(AuditLog log, EventHub events, Action<string, string> breakerChanged, ICommonsStore store) : IAuditSink
{
    public AuditLog Log => log;

    public AuditRecord Append(string actor, string role, string kind, object payload)
    {
        var record = log.Append(actor, role, kind, payload);
        AuditAnchor.Save(store, record);
        string? meter = null;
        if (kind.StartsWith("breaker.", StringComparison.Ordinal))
        {
            using var doc = JsonDocument.Parse(record.PayloadJson);
            var id = doc.RootElement.TryGetProperty("breaker", out var b) ? b.GetString() : null;
            if (id is not null)
            {
                breakerChanged(id, kind);
                // Channel breakers are "meter/channel"; zone and resource breakers belong to no meter.
                meter = id.Contains('/', StringComparison.Ordinal) ? id.Split('/')[0] : null;
            }
        }
        events.Publish(new CommonsEvent(EventKind(kind), $"{kind} by {actor}: {record.PayloadJson}", DateTimeOffset.Parse(record.Time, System.Globalization.CultureInfo.InvariantCulture), meter));
        return record;
    }

    /// <summary>ICommonsRuntime's event kinds: stage, trip, reset, command, emergency, policy, account.</summary>
    internal static string EventKind(string auditKind) => auditKind switch
    {
        "breaker.opened" or "breaker.locked" => "trip",
        "breaker.reset" or "breaker.closed" or "breaker.half_open" or "breaker.reset.refused" => "reset",
        _ when auditKind.StartsWith("stage.", StringComparison.Ordinal) => "stage",
        _ when auditKind.StartsWith("emergency.", StringComparison.Ordinal) => "emergency",
        _ when auditKind.StartsWith("policy.", StringComparison.Ordinal) => "policy",
        _ when auditKind.StartsWith("account.", StringComparison.Ordinal) => "account",
        _ => "command",
    };
}
