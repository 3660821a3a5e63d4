using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>The InfluxDB lines the ledger appends to sink_outbox in its transaction (the
/// <see cref="ISinkRows"/> seam): readings through <see cref="InfluxLineBuilder"/>, gauges through
/// <see cref="GaugeLine"/>; none when Metering:Influx:Kind is None (nobody would deliver them).</summary>
internal sealed class InfluxSinkRows : ISinkRows
{
    private readonly bool _sinkConfigured;
    private readonly InfluxLineBuilder _lines = new();

    // The builder's caches are not thread-safe. In the gateway only the ledger writer's thread calls
    // this singleton, so the lock is never contended (tens of nanoseconds against microseconds per
    // line); it is here so that a second caller cannot corrupt the caches.
    private readonly Lock _gate = new();

    public InfluxSinkRows(IOptions<InfluxOptions> options) : this(options.Value.Kind != InfluxKind.None)
    {
    }

    /// <summary>For a ledger writer built without the container (tests, benchmarks).</summary>
    internal InfluxSinkRows(bool sinkConfigured) => _sinkConfigured = sinkConfigured;

    public string? Reading(MeterInfo meter, Reading reading, ChannelRegister channel, long usageBase, string? flag, string? household)
    {
        if (!_sinkConfigured) return null;
        lock (_gate) return _lines.For(meter, reading, channel, usageBase, flag, household);
    }

    public string? Gauge(MeterInfo meter, GaugeUplink uplink, GaugeValue gauge, string? flag) =>
        _sinkConfigured ? GaugeLine.For(meter, uplink, gauge, flag) : null;
}
