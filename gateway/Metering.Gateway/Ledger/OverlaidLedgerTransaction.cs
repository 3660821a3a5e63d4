namespace Commons.Metering.Gateway.Ledger;

/// <summary>What every store's ledger transaction does the same way, whatever the database: meter and channel
/// state is read through an overlay (the open savepoint's writes first, then this transaction's, then the
/// writer's committed state in memory, then the rows, read once and kept), and the overlay reaches the
/// committed state only after the commit succeeded, so a rolled-back batch or savepoint leaves it as it was.
/// A provider (Sqlite/SqliteLedgerTransaction, Postgres/PostgresLedgerTransaction) gives the statements: how a
/// savepoint is taken, how the state is derived from its rows, and what a commit writes besides the rows.</summary>
internal abstract class OverlaidLedgerTransaction
{
    private readonly Dictionary<string, MeterState> _meters;
    private readonly Dictionary<(string Meter, string Channel), ChannelState> _channels;
    private readonly LedgerOverlay _overlay = new();
    private LedgerOverlay? _savepoint;

    /// <param name="meters">The writer's committed meter state (kept between transactions).</param>
    /// <param name="channels">The writer's committed channel state.</param>
    protected OverlaidLedgerTransaction(Dictionary<string, MeterState> meters, Dictionary<(string Meter, string Channel), ChannelState> channels) =>
        (_meters, _channels) = (meters, channels);

    protected abstract void BeginSavepoint();

    protected abstract void ReleaseSavepoint();

    protected abstract void RollbackSavepoint();

    /// <summary>Writes what the rows do not carry (each meter's last-seen time, a channel's first appearance)
    /// and commits.</summary>
    protected abstract void CommitRows(LedgerOverlay overlay);

    /// <summary>The committed state of a meter, derived from its rows (0s for a new meter).</summary>
    protected abstract MeterState ReadMeterState(string meter);

    /// <summary>The committed state of a channel, derived from its newest counted row; null before its first.</summary>
    protected abstract ChannelState? ReadChannel(string meter, string channel);

    /// <summary>The meter's channels already committed.</summary>
    protected abstract int CommittedChannelCount(string meter);

    public void Savepoint()
    {
        BeginSavepoint();
        _savepoint = new LedgerOverlay();
    }

    public void Release()
    {
        ReleaseSavepoint();
        _savepoint?.ReleaseInto(_overlay);
        _savepoint = null;
    }

    public void RollbackToSavepoint()
    {
        RollbackSavepoint();
        _savepoint = null;
    }

    public void Commit()
    {
        CommitRows(_overlay);
        _overlay.MergeInto(_meters, _channels);
    }

    public MeterState GetMeterState(string meter)
    {
        if (_savepoint is not null && _savepoint.Meters.TryGetValue(meter, out var s)) return s;
        if (_overlay.Meters.TryGetValue(meter, out s) || _meters.TryGetValue(meter, out s)) return s;
        s = ReadMeterState(meter);
        _meters[meter] = s;
        return s;
    }

    public void SetMeterState(string meter, MeterState state) => (_savepoint ?? _overlay).Meters[meter] = state;

    public void RecordSeen(string meter, long receivedMs) => (_savepoint ?? _overlay).SeenAt(meter, receivedMs);

    public ChannelState? GetChannel(string meter, string channel)
    {
        var key = (meter, channel);
        if (_savepoint is not null && _savepoint.Channels.TryGetValue(key, out var s)) return s;
        if (_overlay.Channels.TryGetValue(key, out s) || _channels.TryGetValue(key, out s)) return s;
        if (ReadChannel(meter, channel) is not { } read) return null; // first reading of this channel: the baseline
        _channels[key] = read;
        return read;
    }

    public void SetChannel(string meter, string channel, ChannelState state)
    {
        var key = (meter, channel);
        var overlay = _savepoint ?? _overlay;
        var known = (_savepoint?.Channels.ContainsKey(key) ?? false) || _overlay.Channels.ContainsKey(key) || _channels.ContainsKey(key);
        if (!known) overlay.NewChannels.Add(key);
        overlay.Channels[key] = state;
    }

    public int ChannelCount(string meter)
    {
        var pending = _overlay.NewChannels.Count(k => k.Meter == meter) + (_savepoint?.NewChannels.Count(k => k.Meter == meter) ?? 0);
        return checked(CommittedChannelCount(meter) + pending);
    }
}
