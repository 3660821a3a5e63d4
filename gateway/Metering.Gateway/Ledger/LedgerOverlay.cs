namespace Commons.Metering.Gateway.Ledger;

/// <summary>Meter and channel state written by one ledger transaction (or by its open savepoint),
/// merged into the writer's committed state only after the commit succeeded: every store's
/// transaction reads through it (writes of this transaction first, then the committed state).</summary>
internal sealed class LedgerOverlay
{
    public Dictionary<string, MeterState> Meters { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Meter, string Channel), ChannelState> Channels { get; } = new();
    public Dictionary<string, long> LastSeenMs { get; } = new(StringComparer.Ordinal);
    public HashSet<(string Meter, string Channel)> NewChannels { get; } = new();

    public void SeenAt(string meter, long ms) =>
        LastSeenMs[meter] = LastSeenMs.TryGetValue(meter, out var seen) ? Math.Max(seen, ms) : ms;

    public void MergeInto(Dictionary<string, MeterState> meters, Dictionary<(string Meter, string Channel), ChannelState> channels)
    {
        foreach (var (k, v) in Meters) meters[k] = v;
        foreach (var (k, v) in Channels) channels[k] = v;
    }

    /// <summary>A released savepoint's writes become the transaction's.</summary>
    public void ReleaseInto(LedgerOverlay transaction)
    {
        MergeInto(transaction.Meters, transaction.Channels);
        foreach (var (meter, ms) in LastSeenMs) transaction.SeenAt(meter, ms);
        foreach (var key in NewChannels) transaction.NewChannels.Add(key);
    }
}
