namespace Commons.Metering.Gateway.Ledger.Postgres;

/// <summary>The committed per-meter and per-channel state the PostgreSQL writer read once and keeps
/// in memory (two SELECTs saved per reading), as WriterState does for SQLite. Only the ledger writer
/// touches it; it stays true only while this gateway is the one writer of its meters. With several
/// instances (Cluster/README.md) a community's lease that comes back asks for it to be read again:
/// <see cref="Requested"/> counts those requests (any thread), <see cref="Cleared"/> the one the writer
/// last honoured.</summary>
internal sealed class PostgresWriterState
{
    public int Requested;
    public int Cleared;

    public Dictionary<string, MeterState> Meters { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Meter, string Channel), ChannelState> Channels { get; } = new();
}
