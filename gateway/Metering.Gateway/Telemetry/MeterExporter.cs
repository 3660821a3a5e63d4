using System.Diagnostics.Metrics;
using Prometheus;

namespace Commons.Metering.Gateway.Telemetry;

/// <summary>The gateway's one metrics exporter. Each feature makes its own <see cref="Meter"/> (named
/// <c>Metering.Feature</c>) through this <see cref="IMeterFactory"/> and records with
/// System.Diagnostics.Metrics; every instrument of those meters is written on /metrics in the Prometheus
/// text format 0.0.4, under the instrument's own name and description, by a prometheus-net registry of
/// this gateway alone (two gateways in one process, as in the tests, do not see each other's counts).
/// Being the factory, the exporter listens before the first instrument exists, so a series a feature
/// creates at start with <c>Add(0)</c> is on /metrics from the start.</summary>
/// <remarks>prometheus-net's own meter adapter would rename every metric (meter name prefix), export
/// counters as gauges, add the instrument type to each help text, let quiet series expire, and
/// allocate on every measurement; this bridge keeps today's names and types and allocates nothing per
/// measurement once a series exists (README.md in this folder).</remarks>
internal sealed class MeterExporter : IMeterFactory
{
    /// <summary>Only the gateway's meters are exported, not ASP.NET Core's (they share the factory).</summary>
    public const string MeterPrefix = "Metering.";

    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly MetricFactory _collectors;
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly List<Meter> _meters = [];
    private bool _disposed;

    public MeterExporter()
    {
        _collectors = Metrics.WithCustomRegistry(_registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, this) && instrument.Meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal))
                listener.EnableMeasurementEvents(instrument, ExportedInstrument.Create(instrument, _collectors));
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((ExportedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((ExportedInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((ExportedInstrument)state!).Record(value, tags));
        _listener.Start();
        // Observable instruments (gauges read when scraped) report just before the text is written.
        _registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    /// <summary>One meter per name and version, as the default factory does; the scope is this exporter.</summary>
    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Scope is not null && !ReferenceEquals(options.Scope, this))
            throw new InvalidOperationException($"meter '{options.Name}' names another scope than this gateway's meter factory");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var existing = _meters.Find(m => m.Name == options.Name && m.Version == options.Version);
            if (existing is not null) return existing;
            var meter = new Meter(new MeterOptions(options.Name)
            {
                Version = options.Version,
                Tags = options.Tags,
                TelemetrySchemaUrl = options.TelemetrySchemaUrl,
                Scope = this,
            });
            _meters.Add(meter);
            return meter;
        }
    }

    /// <summary>Prometheus text exposition format 0.0.4.</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        _registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    public async Task<string> ToTextAsync(CancellationToken cancellationToken = default)
    {
        using var ms = new MemoryStream();
        await WriteAsync(ms, cancellationToken);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Idempotent: the DI container disposes it both as itself and as IMeterFactory.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _listener.Dispose();
        foreach (var meter in _meters) meter.Dispose();
    }
}
