using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Gpio;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Host.Sensors;

namespace Commons.Metering.Firmware.Host.Board;

public sealed class BoardMeterOptions
{
    public required MqttBrokerOptions Broker { get; init; }
    public required string Community { get; init; }
    public required string MeterId { get; init; }

    /// <summary>Where the flash file lives (e.g. /var/lib/commons-metering).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Water (mL) or energy (Wh) pulse meter.</summary>
    public MeterKind Kind { get; init; } = MeterKind.Water;

    /// <summary>GPIO (BCM numbering) of the pulse input; null: simulated sensor.</summary>
    public int? PulsePin { get; init; }

    /// <summary>Calibration: <see cref="UnitsNumerator"/> units per <see cref="PulsesDenominator"/>
    /// pulses; the default is 1 L per pulse (water) or 1 Wh per pulse (energy, 1000 imp/kWh S0).</summary>
    public long? UnitsNumerator { get; init; }
    public long PulsesDenominator { get; init; } = 1;

    /// <summary>Reed contacts bounce: 50-100 ms (design brief, "Device constraints").</summary>
    public int DebounceMs { get; init; } = 50;

    public int ReadingIntervalMs { get; init; } = 60_000;

    /// <summary>How often the core is ticked.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>One meter on a Raspberry-Pi-class board: the real core with the system clock, a
/// flash file written through to the disk (fsync), MQTTnet, and the pulse input on a GPIO pin
/// when the board has GPIO; a simulated household sensor otherwise.</summary>
public sealed class BoardMeter : IDisposable
{
    private readonly BoardMeterOptions _options;
    private readonly SystemClock _clock = new();
    private readonly FileBlockStore _store;
    private readonly MqttNetTransport _transport;
    private readonly MeterDevice _device;
    private readonly PulseChannel _channel;
    private readonly GpioPulseInput? _gpio;
    private readonly DiurnalProfile? _simulated;
    private readonly PulseAccumulator? _pending;
    private long _lastUnixMs;

    public BoardMeter(BoardMeterOptions options)
    {
        if (options.Kind == MeterKind.Forest) throw new ArgumentException("a board meter is a water or energy pulse meter");
        _options = options;
        _store = new FileBlockStore(Path.Combine(options.DataDirectory, options.MeterId + ".flash"), durability: BlockStoreDurability.PowerLoss);
        _transport = new MqttNetTransport(options.Broker);
        _device = new MeterDevice(
            new DeviceConfig { Community = options.Community, MeterId = options.MeterId, ReadingIntervalMs = options.ReadingIntervalMs },
            _clock, _store, _transport, new SeededRandom(Environment.TickCount));
        var water = options.Kind == MeterKind.Water;
        var numerator = options.UnitsNumerator ?? (water ? 1000 : 1);
        _channel = _device.AddPulseChannel("main", water ? "mL" : "Wh", numerator, options.PulsesDenominator, options.DebounceMs);
        var reason = "no pulse pin given";
        if (options.PulsePin is { } pin && GpioBoard.TryOpenGpio(out var controller, out reason))
        {
            _gpio = new GpioPulseInput(controller!, pin, _channel, _clock, ownsController: true);
            Source = $"GPIO {pin} (falling edges, pull-up, {options.DebounceMs} ms debounce)";
        }
        else
        {
            var random = new SeededRandom(options.MeterId.GetHashCode());
            _simulated = water ? DiurnalProfile.Water(random) : DiurnalProfile.Energy(random);
            _pending = new PulseAccumulator((double)numerator / options.PulsesDenominator);
            Source = $"simulated household ({reason})";
        }
    }

    /// <summary>Where the pulses come from, for the start-up log.</summary>
    public string Source { get; }

    public long Register => _channel.Register;
    public int OutboxDepth => _device.OutboxDepth;
    public bool IsConnected => _device.IsConnected;
    public long LastSeq => _device.LastSeq;

    /// <summary>Ticks the core until cancelled, then persists the totals and disconnects.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _device.Start();
        _lastUnixMs = _clock.UnixMs;
        using var timer = new PeriodicTimer(_options.TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (_simulated is not null)
                {
                    var now = _clock.UnixMs;
                    var pulses = _pending!.Add(_simulated.Usage(_lastUnixMs, now));
                    if (pulses > 0) _channel.AddPulses(pulses);
                    _lastUnixMs = now;
                }
                _device.Tick();
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or service stop: fall through to the clean shutdown.
        }
        _device.ReadNow();
        _device.Tick();
        _device.PersistNow();
        _transport.Abort(); // the broker publishes the retained "offline" will
    }

    public void Dispose()
    {
        _gpio?.Dispose();
        _transport.Dispose();
        _store.Dispose();
    }
}
