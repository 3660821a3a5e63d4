namespace Commons.Metering.Firmware.Host.Replay;

/// <summary>What the gateway's ledger must hold for one channel after a replay: the sum of
/// the positive steps between consecutive registers (in time order), with every decrease
/// flagged and counted, never negative usage (docs/protocol.md, "reading").</summary>
public sealed record ChannelExpectation(
    string MeterId, string Channel, string Unit, long FirstRegister, long LastRegister, long Usage, int Decreases, int Readings);

public sealed class ExpectedLedger
{
    private readonly Dictionary<(string, string), ChannelExpectation> _byChannel;

    private ExpectedLedger(List<ChannelExpectation> channels)
    {
        Channels = channels;
        _byChannel = channels.ToDictionary(c => (c.MeterId, c.Channel));
    }

    /// <summary>Sorted by meter id, then channel.</summary>
    public IReadOnlyList<ChannelExpectation> Channels { get; }

    public int TotalDecreases => Channels.Sum(c => c.Decreases);

    public ChannelExpectation For(string meterId, string channel) => _byChannel[(meterId, channel)];

    /// <summary>Rows may come in any order across meters; within a channel they are taken in
    /// time order (ties keep their given order).</summary>
    public static ExpectedLedger Compute(IEnumerable<DatasetRow> rows)
    {
        var result = new List<ChannelExpectation>();
        foreach (var group in rows.GroupBy(r => (r.MeterId, r.Channel)))
        {
            var ordered = group.OrderBy(r => r.UnixMs).ToList();
            long usage = 0;
            var decreases = 0;
            for (var i = 1; i < ordered.Count; i++)
            {
                var step = ordered[i].Register - ordered[i - 1].Register;
                if (step > 0) usage += step;
                else if (step < 0) decreases++;
            }
            result.Add(new ChannelExpectation(group.Key.MeterId, group.Key.Channel, ordered[0].Unit,
                ordered[0].Register, ordered[^1].Register, usage, decreases, ordered.Count));
        }
        result.Sort((a, b) =>
        {
            var m = string.CompareOrdinal(a.MeterId, b.MeterId);
            return m != 0 ? m : string.CompareOrdinal(a.Channel, b.Channel);
        });
        return new ExpectedLedger(result);
    }
}
