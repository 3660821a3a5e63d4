using System.Globalization;
using System.Text.Json;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>N simulated meters, each the real firmware core with its own flash file and MQTT
/// connection, stepped by a few worker threads. The truth (each device's registers and their
/// baselines) is what the gateway's ledger must sum to once the outboxes are drained.</summary>
public sealed class MeterFleet : IAsyncDisposable
{
    private const string StateFile = "fleet.json";
    private static readonly TimeSpan ClockSaveInterval = TimeSpan.FromSeconds(5);
    private readonly FleetOptions _options;
    private readonly List<SimulatedMeter> _meters = new();
    private MeterScheduler? _scheduler;
    private IClock? _clock;
    private Timer? _clockSaver;
    private bool _stopped;

    public MeterFleet(FleetOptions options)
    {
        options.Validate();
        _options = options;
    }

    public IReadOnlyList<string> MeterIds => _meters.Select(m => m.MeterId).ToList();

    /// <summary>Device time (Unix ms) of the fleet's shared clock.</summary>
    public long ClockUnixMs => _clock?.UnixMs ?? 0;

    /// <summary>First exception a meter threw, if any (that meter stopped).</summary>
    public Exception? Fault => _scheduler?.Fault;

    /// <summary>Creates or reopens every meter under the data directory, boots each core (first
    /// reading at once, before any use), then starts the workers. Connecting happens in the
    /// cores' own ticks.</summary>
    public void Start()
    {
        if (_scheduler is not null) throw new InvalidOperationException("already started");
        var dir = Directory.CreateDirectory(_options.DataDirectory).FullName;
        var metersDir = Directory.CreateDirectory(Path.Combine(dir, "meters")).FullName;
        _clock = _options.Clock ?? new ScaledClock(StartTime(dir), _options.ClockSpeed);
        for (var i = 0; i < _options.Meters; i++)
        {
            var id = _options.MeterIdOf(i);
            var meter = new SimulatedMeter(id, _options.KindOf(i), _options, _clock, Path.Combine(metersDir, id + ".flash"),
                unchecked(_options.Seed * 1_000_003 + i));
            _meters.Add(meter);
            var baselineFile = Path.Combine(metersDir, id + ".baseline");
            meter.Boot(readNow: true);
            if (!meter.IsFresh && File.Exists(baselineFile))
            {
                // One register per line, in channel order.
                meter.Baselines = File.ReadAllLines(baselineFile).Where(l => l.Trim().Length > 0)
                    .Select(l => long.Parse(l.Trim(), CultureInfo.InvariantCulture)).ToList();
            }
            else
            {
                // First run: the registers at the first reading are what the ledger counts from.
                meter.Baselines = meter.Registers;
                File.WriteAllLines(baselineFile, meter.Registers.Select(r => r.ToString(CultureInfo.InvariantCulture)));
            }
            meter.StartUsage();
        }
        foreach (var m in _meters) m.RefreshTruth(); // baselines known now; workers not started yet
        _scheduler = new MeterScheduler(_meters, _options.Workers, _options.SweepInterval, "fleet");
        _scheduler.Start();
        SaveClock(dir);
        _clockSaver = new Timer(_ =>
        {
            try
            {
                SaveClock(dir);
            }
            catch (IOException)
            {
                // A full or vanished disk: the next save, or the one at stop, tries again.
            }
        }, null, ClockSaveInterval, ClockSaveInterval);
    }

    public IReadOnlyList<MeterTruth> Truth() => _meters.Select(m => m.Truth).ToList();

    public MeterTruth Truth(string meterId) => _meters.Single(m => m.MeterId == meterId).Truth;

    public FleetStatus Status()
    {
        var truth = Truth();
        return new FleetStatus(
            truth.Count, truth.Count(t => t.IsConnected), truth.Sum(t => (long)t.OutboxDepth),
            _meters.Sum(m => m.Transport.PublishedCount), _meters.Sum(m => m.Transport.AcknowledgedCount),
            truth.Count(t => t.Fault is not null), ClockUnixMs);
    }

    /// <summary>Starts (or, with 0, ends) a leak on a water meter: <paramref name="mlPerMinute"/> of
    /// device time flows continuously while its valve is open, on top of the household's use (on the
    /// first circuit when the meter has several).</summary>
    public Task SetLeakAsync(string meterId, double mlPerMinute)
    {
        var meter = Meter(meterId);
        return meter.PostAsync(() => meter.SetLeak(mlPerMinute));
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the meter's truth; false on timeout.</summary>
    public async Task<bool> WaitForAsync(string meterId, Func<MeterTruth, bool> condition, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var meter = Meter(meterId);
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(meter.Truth))
        {
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(20, cancellationToken);
        }
        return true;
    }

    private SimulatedMeter Meter(string meterId) =>
        _meters.SingleOrDefault(m => m.MeterId == meterId) ?? throw new ArgumentException($"no meter {meterId} in the fleet", nameof(meterId));

    /// <summary>Every meter takes a reading now (in addition to its periodic ones).</summary>
    public Task ReadAllNowAsync() => Task.WhenAll(_meters.Select(m => m.PostAsync(m.ReadNow)));

    /// <summary>Stops simulated use and takes a final reading of every meter: from then on the
    /// truth stands still and equals each meter's last reading.</summary>
    public Task FreezeAsync() => Task.WhenAll(_meters.Select(m => m.PostAsync(m.Freeze)));

    /// <summary>Waits until every meter is connected and settled: its outbox empty, or (after
    /// <see cref="FreezeAsync"/>) every reading up to the final one acknowledged by the broker.
    /// Returns false on timeout.</summary>
    public async Task<bool> WaitForDrainAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var truth = Truth();
            if (truth.All(t => t.Settled && t.IsConnected)) return true;
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Stops the workers and shuts every meter down. Graceful: totals persisted, the
    /// connection dropped so the retained "offline" will is published. Not graceful: as a power
    /// cut (nothing persisted beyond what the core already wrote).</summary>
    public Task StopAsync(bool graceful = true)
    {
        if (_stopped) return Task.CompletedTask;
        _stopped = true;
        return Task.Run(() =>
        {
            _clockSaver?.Dispose();
            _scheduler?.Stop();
            if (_clock is not null) SaveClock(Path.GetFullPath(_options.DataDirectory));
            foreach (var m in _meters)
            {
                m.Shutdown(graceful);
                m.Dispose();
            }
        });
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private long StartTime(string dir)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var start = _options.ClockStartUnixMs ?? (_options.ClockSpeed > 1 ? now - 7 * 86_400_000L : now);
        var file = Path.Combine(dir, StateFile);
        if (File.Exists(file))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            // Saved every few seconds: a killed fleet may have run on for up to one interval.
            if (doc.RootElement.TryGetProperty("clockUnixMs", out var saved))
                start = Math.Max(start, saved.GetInt64() + (long)(ClockSaveInterval.TotalMilliseconds * _options.ClockSpeed) + 1);
        }
        return start;
    }

    private void SaveClock(string dir)
    {
        // Written aside and renamed, so a kill mid-write never leaves half a file.
        var file = Path.Combine(dir, StateFile);
        lock (_meters)
        {
            File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(new { clockUnixMs = _clock!.UnixMs }));
            File.Move(file + ".tmp", file, overwrite: true);
        }
    }
}

/// <summary>The fleet at a glance; Published/Acknowledged count every uplink (readings, events, status).</summary>
public sealed record FleetStatus(int Meters, int Connected, long OutboxDepth, long Published, long Acknowledged, int Faulted, long ClockUnixMs);
