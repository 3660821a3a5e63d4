using System.Diagnostics;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Firmware.Host.Replay;

public sealed class ReplayOptions
{
    /// <summary>Periodic readings are kept out of a replay (only the dataset's rows make
    /// readings): the longest interval the core takes, about 24.8 days.</summary>
    public const int ReadingIntervalMs = int.MaxValue;

    public required MqttBrokerOptions Broker { get; init; }

    /// <summary>Where the replayed meters keep their flash files; use a fresh directory per
    /// replay (a reused one continues the meters' sequence numbers).</summary>
    public required string DataDirectory { get; init; }

    public string Community { get; init; } = "demo";

    /// <summary>Added to every row's time (see <see cref="DatasetReplayer.ShiftEndingAt"/>).</summary>
    public long TimeShiftMs { get; init; }

    /// <summary>Readings a meter may have waiting before the replay stops feeding it.</summary>
    public int MaxOutboxDepth { get; init; } = 32;

    public int OutboxCapacity { get; init; } = 256;
    /// <summary>Uplinks awaiting their PUBACK: several, so a replay is not one broker round trip
    /// per row (the gateway's confirmations pace it: docs/protocol.md, confirmation).</summary>
    public int MaxInflight { get; init; } = 16;
    public int Workers { get; init; } = 2;
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Every channel gets a relay (energy) or valve (water) the core drives, from the gateway's
    /// commands and its local policy; while it is curtailed the dataset's rises are unmet and the
    /// register stands still, so the ledger then falls short of <see cref="ExpectedLedger"/> by
    /// <see cref="ChannelTruth.Unmet"/>. Off (default): the data is replayed as recorded.</summary>
    public bool Outputs { get; init; }

    /// <summary>Rows after each meter's first are fed only once this holds for the meters' truth (e.g.
    /// the gateway's policy reached them); null: at once. Waiting counts towards <see cref="DrainTimeout"/>.</summary>
    public Func<IReadOnlyList<MeterTruth>, bool>? StartWhen { get; init; }

    /// <summary>The replay gives up when no row was fed and no PUBACK came for this long.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

public sealed record ReplayProgress(int Meters, int Connected, long RowsFed, long RowsTotal, long OutboxDepth, long Acknowledged, TimeSpan Elapsed);

public sealed record ReplayResult(
    IReadOnlyList<MeterTruth> Meters, long RowsFed, long RowsTotal, bool Drained, long Published, long Acknowledged, TimeSpan Elapsed, string? Fault);

/// <summary>Replays a dataset through the real firmware core and MQTT transport: one meter per
/// dataset meter, clocks set to the rows' times, as fast as the broker acknowledges.</summary>
public static class DatasetReplayer
{
    /// <summary>The shift that puts the last row <paramref name="marginMs"/> before
    /// <paramref name="nowUnixMs"/>, so an old dataset passes the gateway's clock checks (it
    /// rejects readings more than 400 days old, docs/protocol.md "clock_past").</summary>
    public static long ShiftEndingAt(IReadOnlyList<DatasetRow> rows, long nowUnixMs, long marginMs = 60_000) =>
        rows.Count == 0 ? 0 : nowUnixMs - marginMs - rows.Max(r => r.UnixMs);

    public static async Task<ReplayResult> RunAsync(IReadOnlyList<DatasetRow> rows, MeterKind kind, ReplayOptions options,
        IProgress<ReplayProgress>? progress = null, TimeSpan? progressInterval = null, CancellationToken cancellationToken = default)
    {
        if (!WireIds.IsId(options.Community)) throw new ArgumentException($"community '{options.Community}' breaks the id rule");
        var dir = Directory.CreateDirectory(options.DataDirectory).FullName;
        var meters = new List<ReplayMeter>();
        var stopwatch = Stopwatch.StartNew();
        MeterScheduler? scheduler = null;
        try
        {
            var seed = 1;
            foreach (var group in rows.GroupBy(r => r.MeterId).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                if (!WireIds.IsId(group.Key)) throw new ArgumentException($"meter id '{group.Key}' breaks the id rule");
                var meter = new ReplayMeter(group.Key, kind, group.ToList(), options, new ReplayClock(),
                    Path.Combine(dir, group.Key + ".flash"), seed++);
                meters.Add(meter);
                meter.BootAtFirstRow();
            }
            scheduler = new MeterScheduler(meters, options.Workers, options.SweepInterval, "replay");
            scheduler.Start();

            var interval = progressInterval ?? TimeSpan.FromSeconds(1);
            var nextReport = stopwatch.Elapsed + interval;
            // Gives up when nothing moved (no row fed, no PUBACK) for DrainTimeout: a broker that
            // is down for good, or the last PUBACKs never coming.
            var lastMove = (Rows: -1L, Acked: -1L, At: TimeSpan.Zero);
            var released = options.StartWhen is null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (scheduler.Fault is not null) break;
                var truth = meters.Select(m => m.Truth).ToList();
                if (options.StartWhen is { } gate && !released && gate(truth))
                {
                    released = true;
                    foreach (var m in meters) m.Release();
                }
                var drained = meters.All(m => m.Finished) && truth.All(t => t.OutboxDepth == 0);
                var moved = (Rows: meters.Sum(m => m.RowsFed), Acked: truth.Sum(t => t.Acknowledged));
                if (moved != (lastMove.Rows, lastMove.Acked)) lastMove = (moved.Rows, moved.Acked, stopwatch.Elapsed);
                if (progress is not null && (stopwatch.Elapsed >= nextReport || drained))
                {
                    progress.Report(Progress(meters, truth, stopwatch.Elapsed));
                    nextReport = stopwatch.Elapsed + interval;
                }
                if (drained || stopwatch.Elapsed - lastMove.At > options.DrainTimeout) break;
                await Task.Delay(20, cancellationToken);
            }
            scheduler.Stop();
            var final = meters.Select(m => m.Truth).ToList();
            return new ReplayResult(final, meters.Sum(m => m.RowsFed), rows.Count,
                meters.All(m => m.Finished) && final.All(t => t.OutboxDepth == 0),
                meters.Sum(m => m.Transport.PublishedCount), meters.Sum(m => m.Transport.AcknowledgedCount),
                stopwatch.Elapsed, scheduler.Fault?.Message);
        }
        finally
        {
            scheduler?.Stop();
            foreach (var m in meters)
            {
                m.Shutdown(graceful: true);
                m.Dispose();
            }
        }
    }

    private static ReplayProgress Progress(List<ReplayMeter> meters, List<MeterTruth> truth, TimeSpan elapsed) =>
        new(meters.Count, truth.Count(t => t.IsConnected), meters.Sum(m => m.RowsFed), meters.Sum(m => (long)m.RowsTotal),
            truth.Sum(t => (long)t.OutboxDepth), meters.Sum(m => m.Transport.AcknowledgedCount), elapsed);
}
