using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>A simulated gauge-only node: the real firmware core (<see cref="MeterDevice"/>) with one
/// gauge, its own flash file and MQTT connection, sampling the value it is told every
/// <c>sampleEveryMs</c> of device time, as a board polls its sensor. <see cref="Plugged"/> false is a
/// sensor with its cable cut: every poll fails, so the core sends no gauge and the gateway hears
/// silence. Runs its own loop thread. <see cref="SimulatedTankGauge"/> and
/// <see cref="SimulatedFeederGauge"/> name what it measures.</summary>
public sealed class SimulatedGaugeNode : IAsyncDisposable
{
    /// <summary>How often the loop ticks the core, in real time.</summary>
    public const int LoopMs = 20;

    private readonly MeterDevice _device;
    private readonly GaugeChannel _gauge;
    private readonly IClock _clock;
    private readonly FileBlockStore _store;
    private readonly MqttNetTransport _transport;
    private readonly int _sampleEveryMs;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _value;
    private volatile bool _plugged = true;

    /// <param name="gauge">the gauge's name, as the policy's trigger names the channel.</param>
    /// <param name="quantity">its quantity (docs/protocol.md, gauge), the unit of <see cref="Value"/>.</param>
    /// <param name="sensor">the sensor the gateway checks the value's physical range against.</param>
    public SimulatedGaugeNode(string community, string meterId, string gauge, string quantity, string sensor, MqttBrokerOptions broker,
        string flashPath, IClock clock, int readingIntervalMs = 60_000, int sampleEveryMs = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleEveryMs);
        _clock = clock;
        _sampleEveryMs = sampleEveryMs;
        _store = new FileBlockStore(flashPath);
        _transport = new MqttNetTransport(broker);
        _device = new MeterDevice(new DeviceConfig { Community = community, MeterId = meterId, ReadingIntervalMs = readingIntervalMs },
            clock, _store, _transport, new SeededRandom(meterId.GetHashCode(StringComparison.Ordinal)));
        _gauge = _device.AddGauge(gauge, quantity, sensor);
    }

    /// <summary>What the sensor would measure now, in the gauge quantity's base unit.</summary>
    public long Value
    {
        get => Interlocked.Read(ref _value);
        set => Interlocked.Exchange(ref _value, value);
    }

    /// <summary>False: the sensor's cable is cut; polls fail and no gauge is sent.</summary>
    public bool Plugged
    {
        get => _plugged;
        set => _plugged = value;
    }

    /// <summary>Sensor polls that produced no value (while unplugged).</summary>
    public long FailedPolls => _gauge.Failures;

    public bool IsConnected => _transport.IsConnected;

    public void Start()
    {
        if (_loop is not null) throw new InvalidOperationException("already started");
        _device.Start();
        _loop = Task.Factory.StartNew(Loop, TaskCreationOptions.LongRunning);
    }

    private void Loop()
    {
        long nextSample = 0;
        while (!_stop.IsCancellationRequested)
        {
            if (_clock.UptimeMs >= nextSample)
            {
                nextSample = _clock.UptimeMs + _sampleEveryMs;
                if (_plugged) _gauge.Sample((int)Value);
                else _gauge.SampleFailed();
            }
            _device.Tick();
            _stop.Token.WaitHandle.WaitOne(LoopMs);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _transport.Abort();
        _transport.Dispose();
        _store.Dispose();
        _stop.Dispose();
    }
}
