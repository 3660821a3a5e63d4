namespace Commons.Metering.Gateway.Ingest;

/// <summary>Whether uplinks can reach the gateway: the embedded broker listens, or the subscription on
/// the external broker is up. /healthz reports it.</summary>
public sealed class BrokerHealth
{
    private volatile string _state = "starting";
    private volatile bool _ready;

    public bool Ready => _ready;
    public string State => _state;

    internal void Set(bool ready, string state)
    {
        _state = state;
        _ready = ready;
    }
}
