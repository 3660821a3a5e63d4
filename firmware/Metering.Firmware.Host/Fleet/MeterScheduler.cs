using System.Collections.Concurrent;
using System.Diagnostics;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>Runs many meters on a few threads. Each meter belongs to one worker, so its device
/// is only ever called from that thread (transport callbacks aside). A worker steps a meter
/// when the meter asks (<see cref="HostedMeter.Wake"/>, raised by PUBACKs and posted
/// commands) and sweeps all its meters every <c>sweepInterval</c>, so timers in the core run.</summary>
internal sealed class MeterScheduler : IDisposable
{
    private readonly Worker[] _workers;
    private Exception? _fault;

    public MeterScheduler(IReadOnlyList<HostedMeter> meters, int workerCount, TimeSpan sweepInterval, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workerCount);
        workerCount = Math.Min(workerCount, Math.Max(1, meters.Count));
        _workers = new Worker[workerCount];
        for (var w = 0; w < workerCount; w++)
            _workers[w] = new Worker(this, meters.Where((_, i) => i % workerCount == w).ToArray(), sweepInterval, $"{name}-{w}");
    }

    /// <summary>The first exception a meter threw (that meter is no longer stepped).</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    public void Start()
    {
        foreach (var w in _workers) w.Start();
    }

    /// <summary>Stops and joins every worker (bounded); a meter mid-step finishes that step.</summary>
    public void Stop()
    {
        foreach (var w in _workers) w.RequestStop();
        foreach (var w in _workers) w.Join(TimeSpan.FromSeconds(30));
    }

    public void Dispose() => Stop();

    private void Report(Exception e) => Interlocked.CompareExchange(ref _fault, e, null);

    private sealed class Worker
    {
        private readonly MeterScheduler _owner;
        private readonly HostedMeter[] _meters;
        private readonly TimeSpan _sweep;
        private readonly ConcurrentQueue<HostedMeter> _ready = new();
        private readonly AutoResetEvent _signal = new(false);
        private readonly Thread _thread;
        private volatile bool _stop;

        public Worker(MeterScheduler owner, HostedMeter[] meters, TimeSpan sweep, string name)
        {
            _owner = owner;
            _meters = meters;
            _sweep = sweep;
            foreach (var m in meters) m.Wake = () => Enqueue(m);
            _thread = new Thread(Run) { IsBackground = true, Name = name };
        }

        public void Start() => _thread.Start();

        public void RequestStop()
        {
            _stop = true;
            _signal.Set();
        }

        public void Join(TimeSpan timeout)
        {
            if (_thread.IsAlive) _thread.Join(timeout);
        }

        private void Enqueue(HostedMeter m)
        {
            if (Interlocked.Exchange(ref m.Queued, 1) == 0)
            {
                _ready.Enqueue(m);
                _signal.Set();
            }
        }

        private void Run()
        {
            var nextSweep = Stopwatch.GetTimestamp();
            while (!_stop)
            {
                // Bounded per round, so a meter that always wants more cannot starve the sweep.
                for (var n = _ready.Count; n > 0 && !_stop && _ready.TryDequeue(out var m); n--)
                {
                    Volatile.Write(ref m.Queued, 0);
                    if (Step(m)) Enqueue(m);
                }
                if (Stopwatch.GetElapsedTime(nextSweep) >= TimeSpan.Zero)
                {
                    foreach (var m in _meters)
                    {
                        if (_stop) break;
                        if (Step(m)) Enqueue(m);
                    }
                    nextSweep = Stopwatch.GetTimestamp() + (long)(_sweep.TotalSeconds * Stopwatch.Frequency);
                }
                if (_ready.IsEmpty && !_stop)
                {
                    var wait = -Stopwatch.GetElapsedTime(nextSweep);
                    if (wait > TimeSpan.Zero) _signal.WaitOne(wait);
                }
            }
        }

        private bool Step(HostedMeter m)
        {
            if (m.Fault is not null) return false;
            try
            {
                return m.Step();
            }
            catch (Exception e)
            {
                m.Stopped(e);
                _owner.Report(new InvalidOperationException($"meter {m.MeterId} stopped: {e.Message}", e));
                return false;
            }
        }
    }
}
