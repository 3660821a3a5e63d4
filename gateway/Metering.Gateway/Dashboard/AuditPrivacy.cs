using System.Text.Json;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>The audit log as a member sees it. The chain holds every household's trips, limits and
/// meter commands; household data is private (Dashboard/README.md, "Roles"), so a record whose payload
/// names another household or one of its meters (a breaker "meter/channel" included) shows its kind,
/// actor, time and hash, but not its payload. Everyone else, and records about the member's own
/// household or the community as a whole, are shown whole. The chain is verified on the server over
/// the whole file either way.</summary>
internal static class AuditPrivacy
{
    public const string Withheld = "{\"withheld\":\"another household's details\"}";

    public static IReadOnlyList<AuditRecord> ForMember(IReadOnlyList<AuditRecord> records, string? household, CommunityPolicy policy)
    {
        var foreign = new HashSet<string>(StringComparer.Ordinal);
        foreach (var h in policy.Households.Where(h => h.Id != household))
        {
            foreign.Add(h.Id);
            foreach (var m in h.Meters) foreign.Add(m.Id);
        }
        return records.Select(r => NamesAny(r.PayloadJson, foreign) ? r with { PayloadJson = Withheld } : r).ToList();
    }

    private static bool NamesAny(string json, HashSet<string> ids)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Walk(doc.RootElement, ids);
        }
        catch (JsonException)
        {
            return true; // unreadable: withheld rather than shown
        }
    }

    private static bool Walk(JsonElement e, HashSet<string> ids) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().Any(p => Walk(p.Value, ids)),
        JsonValueKind.Array => e.EnumerateArray().Any(x => Walk(x, ids)),
        JsonValueKind.String => e.GetString() is { } s && (ids.Contains(s) || ids.Contains(s.Split('/')[0])),
        _ => false,
    };
}
