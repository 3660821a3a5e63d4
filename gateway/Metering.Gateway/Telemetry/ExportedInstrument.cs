using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;

namespace Commons.Metering.Gateway.Telemetry;

/// <summary>One instrument as one Prometheus family: Counter and ObservableCounter as a counter,
/// Gauge, ObservableGauge and the up-down counters as a gauge, Histogram as a histogram with the
/// instrument's bucket advice, or, without advice, as a summary of its median and 99th percentile.
/// The label names are the tag keys of the first measurement (at most two); a series once created is
/// found again by its tag values without allocating.</summary>
internal sealed class ExportedInstrument
{
    /// <summary>prometheus-net summary objectives: p50 within 5 %, p99 within 0.1 % (over its default
    /// 10-minute window), what the policy runtime's trip latency has always reported.</summary>
    private static readonly QuantileEpsilonPair[] SummaryObjectives = [new(0.5, 0.05), new(0.99, 0.001)];

    private enum Kind { Counter, ObservedCounter, Gauge, UpDownCounter, Histogram, Summary }

    private readonly Kind _kind;
    private readonly string _name;
    private readonly string _help;
    private readonly double[]? _buckets;
    private readonly MetricFactory _collectors;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, object> _byOne = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), object> _byTwo = new();
    private string[]? _labelNames;
    private object? _family;
    private object? _unlabelled;

    private ExportedInstrument(Kind kind, Instrument instrument, double[]? buckets, MetricFactory collectors)
    {
        _kind = kind;
        _name = instrument.Name;
        _help = instrument.Description ?? "";
        _buckets = buckets;
        _collectors = collectors;
    }

    public static ExportedInstrument Create(Instrument instrument, MetricFactory collectors)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        var buckets = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
        var kind = definition == typeof(Counter<>) ? Kind.Counter
            : definition == typeof(ObservableCounter<>) ? Kind.ObservedCounter
            : definition == typeof(Gauge<>) || definition == typeof(ObservableGauge<>) || definition == typeof(ObservableUpDownCounter<>) ? Kind.Gauge
            : definition == typeof(UpDownCounter<>) ? Kind.UpDownCounter
            : definition == typeof(Histogram<>) ? (buckets is null ? Kind.Summary : Kind.Histogram)
            : throw new NotSupportedException($"instrument {instrument.Name}: {type.Name} has no Prometheus form here");
        var exported = new ExportedInstrument(kind, instrument, buckets, collectors);
        // Histograms and summaries carry no labels in the gateway: on /metrics from the start, at 0.
        if (kind is Kind.Histogram or Kind.Summary) exported._unlabelled = exported.Child([], []);
        return exported;
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = Series(tags);
        switch (_kind)
        {
            case Kind.Counter: ((ICounter)series).Inc(value); break;
            case Kind.ObservedCounter: ((ICounter)series).IncTo(value); break;
            case Kind.Gauge: ((IGauge)series).Set(value); break;
            case Kind.UpDownCounter: ((IGauge)series).Inc(value); break;
            default: ((IObserver)series).Observe(value); break;
        }
    }

    private object Series(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        switch (tags.Length)
        {
            case 0:
                return _unlabelled ??= Child([], []);
            case 1:
            {
                var value = Text(tags[0].Value);
                return _byOne.TryGetValue(value, out var found) ? found : _byOne.GetOrAdd(value, Child([tags[0].Key], [value]));
            }
            case 2:
            {
                var key = (Text(tags[0].Value), Text(tags[1].Value));
                return _byTwo.TryGetValue(key, out var found) ? found : _byTwo.GetOrAdd(key, Child([tags[0].Key, tags[1].Key], [key.Item1, key.Item2]));
            }
            default:
                throw new NotSupportedException($"{_name}: {tags.Length} tags; the exporter keeps at most two labels per metric");
        }
    }

    private static string Text(object? value) =>
        value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>The family is made on the first series; every later series must use the same tag keys.</summary>
    private object Child(string[] labelNames, string[] labelValues)
    {
        lock (_gate)
        {
            if (_family is null)
            {
                _labelNames = labelNames;
                _family = _kind switch
                {
                    Kind.Counter or Kind.ObservedCounter => _collectors.CreateCounter(_name, _help, labelNames),
                    Kind.Gauge or Kind.UpDownCounter => _collectors.CreateGauge(_name, _help, labelNames),
                    Kind.Histogram => _collectors.CreateHistogram(_name, _help, labelNames, new HistogramConfiguration { Buckets = _buckets }),
                    _ => (object)_collectors.CreateSummary(_name, _help, labelNames, new SummaryConfiguration { Objectives = SummaryObjectives }),
                };
            }
            else if (!_labelNames!.SequenceEqual(labelNames, StringComparer.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{_name}: tags ({string.Join(", ", labelNames)}) differ from its first measurement's ({string.Join(", ", _labelNames!)})");
            }
            if (labelNames.Length == 0) return _family;
            return _family switch
            {
                Counter c => c.WithLabels(labelValues),
                Gauge g => g.WithLabels(labelValues),
                Histogram h => h.WithLabels(labelValues),
                _ => ((Summary)_family).WithLabels(labelValues),
            };
        }
    }
}
