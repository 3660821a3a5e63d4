namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>Energy households that obey their relays (docs/protocol.md: a relay "open" breaks the circuit):
/// every minute each channel draws its load unless its relay is open, and every meter reports its
/// registers, and acknowledges every command it was sent. Drives the runtime through the real ingest pipeline with the harness's fake clock.</summary>
internal sealed class EnergyHouseholds(CommonsHarness h, params (string Meter, string[] Channels)[] meters)
{
    private readonly Dictionary<string, long> _registers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _acked = new(StringComparer.Ordinal);

    /// <summary>Minutes each channel spent cut (relay open) while it wanted to draw.</summary>
    public Dictionary<string, int> CutMinutes { get; } = new(StringComparer.Ordinal);

    public int Minute { get; private set; }

    public bool RelayOpen(string meter, string channel) =>
        h.SentTo(meter).LastOrDefault(c => c.Op == "relay" && c.Channel == channel)?.State == "open";

    /// <summary>Runs <paramref name="minutes"/> minutes; <paramref name="load"/> gives (minute, meter, channel) -> Wh drawn.</summary>
    public async Task RunAsync(int minutes, Func<int, string, string, long> load)
    {
        for (var i = 0; i < minutes; i++, Minute++)
        {
            foreach (var (meter, channels) in meters)
            {
                var regs = new List<(string, long)>();
                foreach (var ch in channels)
                {
                    var key = meter + "/" + ch;
                    var want = load(Minute, meter, ch);
                    if (RelayOpen(meter, ch)) { if (want > 0) CutMinutes[key] = CutMinutes.GetValueOrDefault(key) + 1; }
                    else _registers[key] = _registers.GetValueOrDefault(key) + want;
                    regs.Add((ch, _registers.GetValueOrDefault(key)));
                }
                await h.ReadingAsync(meter, "Wh", [.. regs]);
                // The device acknowledges what it was sent (docs/protocol.md "ack").
                foreach (var c in h.SentTo(meter).Where(c => _acked.Add(c.Cid)).ToList()) await h.AckAsync(meter, c.Cid);
            }
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>An energy policy of households h1..hN (2 persons; fridge essential, heater discretionary) on one
    /// feeder zone with 15-min rotation slots and a 15-min spread bound.</summary>
    public static string FeederPolicy(int households, long capacityPerMinute) =>
        Testing.FeederPolicy.Yaml("testville", Enumerable.Range(1, households).Select(i => ("h" + i, "e-h" + i)).ToList(),
            [("fridge", "essential"), ("heater", "discretionary")], capacityPerMinute, slotMinutes: 15, maxSpreadMinutes: 15);

    /// <summary>Audit kinds of one breaker, oldest first.</summary>
    public static IReadOnlyList<string> BreakerKinds(CommonsHarness h, string breakerId) =>
        h.Runtime.Audit(100_000).Reverse().Where(r => r.Kind.StartsWith("breaker.", StringComparison.Ordinal)
            && r.PayloadJson.Contains($"\"breaker\":\"{breakerId}\"", StringComparison.Ordinal)).Select(r => r.Kind).ToList();
}
