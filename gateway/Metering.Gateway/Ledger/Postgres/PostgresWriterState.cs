namespace Commons.Metering.Gateway.Ledger.Postgres;

/// <summary>The committed per-meter and per-channel state the PostgreSQL writer read once and keeps
/// in memory (two SELECTs saved per reading), as WriterState does for SQLite. Only the ledger writer
/// touches it; it stays true only while this gateway is the one writer of its meters (several
/// instances need an ownership lease first; see Storage/README.md).</summary>
internal sealed class PostgresWriterState
{
    public Dictionary<string, MeterState> Meters { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Meter, string Channel), ChannelState> Channels { get; } = new();
}
