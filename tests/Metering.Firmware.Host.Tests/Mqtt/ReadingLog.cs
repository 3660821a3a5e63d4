using System.Text;
using System.Text.Json;

namespace Commons.Metering.Tests.Mqtt;

/// <summary>Uplinks as a gateway would see them, decoded from what a subscriber received, and
/// the ledger a gateway computes from them (docs/protocol.md: usage is the sum of positive
/// register steps in seq order; a decrease is flagged and yields zero).</summary>
internal sealed record Uplink(string Meter, string Kind, long Seq, long Ts, IReadOnlyDictionary<string, long> Registers);

internal static class ReadingLog
{
    public static List<Uplink> Decode(IEnumerable<(string Topic, byte[] Payload, bool Retain)> messages)
    {
        var result = new List<Uplink>();
        foreach (var (topic, payload, _) in messages)
        {
            var parts = topic.Split('/'); // commons/v1/{community}/{meter}/up/{kind}
            if (parts.Length != 6 || parts[4] != "up" || parts[5] is not ("reading" or "event")) continue;
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(payload));
            var root = doc.RootElement;
            var registers = new Dictionary<string, long>();
            if (parts[5] == "reading")
                foreach (var ch in root.GetProperty("ch").EnumerateArray())
                    registers[ch.GetProperty("n").GetString()!] = ch.GetProperty("reg").GetInt64();
            result.Add(new Uplink(parts[3], parts[5], root.GetProperty("seq").GetInt64(), root.GetProperty("ts").GetInt64(), registers));
        }
        return result;
    }

    /// <summary>Per channel: (usage, decreases) over the meter's readings, deduplicated by seq.</summary>
    public static Dictionary<string, (long Usage, int Decreases)> Ledger(IEnumerable<Uplink> uplinks, string meter)
    {
        var readings = uplinks.Where(u => u.Meter == meter && u.Kind == "reading")
            .GroupBy(u => u.Seq).Select(g => g.First()).OrderBy(u => u.Seq).ToList();
        var result = new Dictionary<string, (long, int)>();
        var last = new Dictionary<string, long>();
        foreach (var r in readings)
            foreach (var (channel, reg) in r.Registers)
            {
                var (usage, decreases) = result.GetValueOrDefault(channel);
                if (last.TryGetValue(channel, out var previous))
                {
                    if (reg > previous) usage += reg - previous;
                    else if (reg < previous) decreases++;
                }
                last[channel] = reg;
                result[channel] = (usage, decreases);
            }
        return result;
    }
}
