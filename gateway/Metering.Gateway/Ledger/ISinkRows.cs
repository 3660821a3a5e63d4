using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>The seam between the ledger and the sinks: the sink_outbox row of what a ledger transaction
/// commits, in the sinks' own format (the ledger knows none). <see cref="LedgerBatch"/> asks for the rows
/// inside the transaction and appends them in that same transaction, so a reading reaches the sinks
/// exactly once: its rows commit, or roll back, with it. Implemented by the Sinks
/// (Sinks/InfluxSinkRows.cs, InfluxDB line protocol) and registered with them; without one the ledger
/// writes no outbox rows. Called on the ledger writer's thread, which is the one serial stage of ingest:
/// an implementation must be cheap.</summary>
public interface ISinkRows
{
    /// <summary>The row of one channel of a committed reading, or of a held reading a technician accepted
    /// (the same point, now carrying its usage); null when no sink is configured.</summary>
    /// <param name="household">The household the policy in force lists the meter under, if any.</param>
    string? Reading(MeterInfo meter, Reading reading, ChannelRegister channel, long usageBase, string? flag, string? household);

    /// <summary>The row of one gauge of a committed gauge uplink; null when no sink is configured.</summary>
    string? Gauge(MeterInfo meter, GaugeUplink uplink, GaugeValue gauge, string? flag);
}
