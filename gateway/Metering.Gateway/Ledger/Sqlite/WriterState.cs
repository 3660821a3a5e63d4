using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Ledger.Sqlite;

/// <summary>What the single writer connection keeps between transactions: its prepared commands
/// (re-preparing ~10 statements per group commit cost more than the writes of a small batch) and
/// the committed per-meter and per-channel state, read from SQLite once and then kept in memory
/// (saves two SELECTs per reading). Only the ledger writer touches it. A transaction sees it
/// through <see cref="SqliteLedgerTransaction"/>'s overlay, which is merged here only after the
/// commit, so a rolled-back batch leaves it as it was. One gateway owns its meters (docs/design.md,
/// "Growing past one machine": instances partition communities), so no other writer can make
/// this state stale.</summary>
internal sealed class WriterState : IDisposable
{
    public Dictionary<string, SqliteCommand> Commands { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, MeterState> Meters { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Meter, string Channel), ChannelState> Channels { get; } = new();

    public void Dispose()
    {
        foreach (var c in Commands.Values) c.Dispose();
        Commands.Clear();
    }
}
