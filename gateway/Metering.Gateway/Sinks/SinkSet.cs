using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>The configured sinks (none, or the one InfluxDB) and their drains; answers /metrics.</summary>
internal sealed class SinkSet : ISinkStatus, IDisposable
{
    private readonly IReadOnlyList<ISinkWriter> _writers;

    public SinkSet(IOptions<InfluxOptions> options, ISinkOutbox outbox, TimeProvider time, ILoggerFactory loggers)
        : this(options.Value, outbox, time, loggers, CreateWriters(options.Value))
    {
    }

    internal SinkSet(InfluxOptions options, ISinkOutbox outbox, TimeProvider time, ILoggerFactory loggers,
        IReadOnlyList<ISinkWriter> writers)
    {
        Options = options;
        Outbox = outbox;
        _writers = writers;
        var names = writers.Select(w => w.Name).ToArray();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
            throw new ArgumentException("sink names must be unique", nameof(writers));
        var log = loggers.CreateLogger("Commons.Metering.Gateway.Sinks");
        Drains = writers.Select(w => new SinkDrain(w, outbox, options, time, log, names)).ToArray();
    }

    public InfluxOptions Options { get; }

    public ISinkOutbox Outbox { get; }

    public IReadOnlyList<SinkDrain> Drains { get; }

    public IReadOnlyList<SinkSnapshot> Snapshot() => Drains.Select(d => d.Snapshot()).ToArray();

    public void Dispose()
    {
        foreach (var w in _writers) (w as IDisposable)?.Dispose();
    }

    internal static IReadOnlyList<ISinkWriter> CreateWriters(InfluxOptions o) => o.Kind switch
    {
        InfluxKind.V1 => [new InfluxV1Writer(o)],
        InfluxKind.V2 => [new InfluxV2Writer(o)],
        _ => [],
    };
}
