namespace Commons.Metering.Gateway.Ingest;

/// <summary>Whether uplinks can reach the ledger: the broker side is up (embedded listening, or the
/// subscription on the external broker) and commits succeed. /healthz reports it. A failing ledger
/// (e.g. the disk under metering.db is full) is kept apart from the broker state, so a reconnect to
/// the broker does not hide it: it clears only when an uplink commits again.</summary>
public sealed class BrokerHealth
{
    private readonly Lock _gate = new();
    private volatile string _state = "starting";
    private volatile bool _ready;
    private volatile string? _ledgerProblem;

    /// <summary>Broker side up and no commit failing.</summary>
    public bool Ready => _ready && _ledgerProblem is null;

    /// <summary>The broker side as last set.</summary>
    public string State => _state;

    /// <summary>Why uplinks are not being committed (and so not acknowledged), or null.</summary>
    public string? LedgerProblem => _ledgerProblem;

    internal void Set(bool ready, string state)
    {
        _state = state;
        _ready = ready;
    }

    /// <summary>Records that commits fail; true only for the first failure of an episode (the caller
    /// logs that one in full).</summary>
    internal bool LedgerFailed(string reason)
    {
        lock (_gate)
        {
            var first = _ledgerProblem is null;
            _ledgerProblem = $"uplinks are not being committed, so not acknowledged (they wait at the sender): {reason}";
            return first;
        }
    }

    /// <summary>A commit succeeded again; true when that ended a failure episode.</summary>
    internal bool LedgerRecovered()
    {
        if (_ledgerProblem is null) return false;
        lock (_gate)
        {
            var was = _ledgerProblem is not null;
            _ledgerProblem = null;
            return was;
        }
    }
}
