using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Commons.Metering.Gateway.Tests.Telemetry;

/// <summary>Sums what the gateway's own instruments record, per instrument name and first tag value,
/// listening beside the exporter to the meters one factory made. For tests that read counts thousands of
/// times (the fuzz tests), where rendering /metrics each time would cost seconds; the exporter's text is
/// checked against the same instruments by MeterExporterTests and MetricsContractTests.</summary>
internal sealed class RecordedSums : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Name, string? Tag), double> _sums = new();

    public RecordedSums(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i.Name, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i.Name, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i.Name, v, tags));
        _listener.Start();
    }

    /// <summary>The sum recorded on <paramref name="name"/> with that first tag value (null: no tag).</summary>
    public double this[string name, string? tag = null] => _sums.GetValueOrDefault((name, tag));

    private void Add(string name, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _sums.AddOrUpdate((name, tags.Length == 0 ? null : tags[0].Value as string), value, (_, sum) => sum + value);

    public void Dispose() => _listener.Dispose();
}
