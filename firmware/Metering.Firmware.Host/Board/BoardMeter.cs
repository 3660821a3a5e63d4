using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;

namespace Commons.Metering.Firmware.Host.Board;

public sealed class BoardMeterOptions
{
    public required MqttBrokerOptions Broker { get; init; }
    public required string Community { get; init; }
    public required string MeterId { get; init; }

    /// <summary>Where the flash file lives (e.g. /var/lib/commons-metering).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>A device configuration or pin map (hardware/pinmaps/*.json, or the config.json
    /// `metering provision` writes), read with the core's parser: its channels, roles, calibration,
    /// permits and PZEM address. Null: one pulse channel from <see cref="Kind"/> and <see cref="PulsePin"/>.</summary>
    public string? SetupFile { get; init; }

    /// <summary>Where the configuration's roles go on this board; null: Board/raspberry-pi.json.</summary>
    public string? PiPinMapFile { get; init; }

    /// <summary>Water (mL) or energy (Wh) pulse meter (without <see cref="SetupFile"/>).</summary>
    public MeterKind Kind { get; init; } = MeterKind.Water;

    /// <summary>GPIO (BCM numbering) of the pulse input (without <see cref="SetupFile"/>); null: simulated sensor.</summary>
    public int? PulsePin { get; init; }

    /// <summary>Calibration: <see cref="UnitsNumerator"/> units per <see cref="PulsesDenominator"/>
    /// pulses; the default is 1 L per pulse (water) or 1 Wh per pulse (energy, 1000 imp/kWh S0).</summary>
    public long? UnitsNumerator { get; init; }
    public long PulsesDenominator { get; init; } = 1;

    /// <summary>Reed contacts bounce: 50-100 ms (docs/design.md, "Device constraints").</summary>
    public int DebounceMs { get; init; } = 50;

    /// <summary>Time between readings; null: the setup file's `reading_interval_ms` (else the core's 60 s).</summary>
    public int? ReadingIntervalMs { get; init; }

    /// <summary>How often the core is ticked.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>What the host offers (GPIO, device files); null: detected (<see cref="BoardHardware.Detect"/>).</summary>
    public BoardHardware? Hardware { get; init; }
}

/// <summary>One meter on a Raspberry-Pi-class board: the real core with the system clock, a
/// flash file written through to the disk (fsync), MQTTnet, and the channels of its configuration
/// wired by <see cref="BoardWiring"/>: real drivers where the board has them, simulated otherwise
/// (<see cref="Sources"/> says which and why).</summary>
public sealed class BoardMeter : IDisposable
{
    private const string PulseRole = "pulse";

    private readonly BoardMeterOptions _options;
    private readonly SystemClock _clock = new();
    private readonly FileBlockStore _store;
    private readonly MqttNetTransport _transport;
    private readonly MeterDevice _device;
    private readonly MeterChannel _first;
    private readonly BoardWiring _wiring;
    private readonly IDisposable? _ownedGpio;
    private long _lastUnixMs;

    public BoardMeter(BoardMeterOptions options)
    {
        _options = options;
        DeviceSetup setup;
        PiPinMap map;
        BoardHardware hardware;
        if (options.SetupFile is { } file)
        {
            setup = LoadSetup(file);
            map = options.PiPinMapFile is { } mapFile ? PiPinMap.Load(mapFile) : PiPinMap.LoadDefault();
            hardware = options.Hardware ?? BoardHardware.Detect();
        }
        else
        {
            setup = PulseSetup(options);
            map = PiPinMap.Single(PulseRole, options.PulsePin ?? 0);
            hardware = options.PulsePin is null ? new BoardHardware(null, "no pulse pin given") : options.Hardware ?? BoardHardware.Detect();
        }
        if (hardware != options.Hardware) _ownedGpio = hardware.Gpio; // detected here: ours to dispose
        var config = setup.Config;
        config.Community = options.Community;
        config.MeterId = options.MeterId;
        if (options.ReadingIntervalMs is { } intervalMs) config.ReadingIntervalMs = intervalMs;
        _store = new FileBlockStore(Path.Combine(options.DataDirectory, options.MeterId + ".flash"), durability: BlockStoreDurability.PowerLoss);
        _transport = new MqttNetTransport(options.Broker);
        _device = new MeterDevice(config, _clock, _store, _transport, new SeededRandom(Environment.TickCount));
        _wiring = new BoardWiring(_device, setup, map, hardware, _clock, options.MeterId);
        _first = _wiring.Channels[0];
    }

    /// <summary>Where each channel's data comes from and where its output goes, for the start-up log.</summary>
    public IReadOnlyList<string> Sources => _wiring.Sources;

    /// <summary>All of <see cref="Sources"/> in one line.</summary>
    public string Source => string.Join("; ", _wiring.Sources);

    public BoardWiring Wiring => _wiring;

    /// <summary>The first channel's register.</summary>
    public long Register => _first.Register;
    public int OutboxDepth => _device.OutboxDepth;
    public bool IsConnected => _device.IsConnected;
    public long LastSeq => _device.LastSeq;

    /// <summary>Reads a device configuration or pin map with the core's parser (the ESP32's).</summary>
    public static DeviceSetup LoadSetup(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var setup = new DeviceSetup();
        var error = new DeviceSetupParser().Parse(bytes, bytes.Length, setup);
        if (error is not null) throw new FormatException($"{path}: {error}");
        // Refused rather than ignored: a gauge that is silently never sent looks, to the gateway, like a dead sensor.
        if (setup.GaugeCount > 0)
            throw new FormatException($"{path}: gauges[] ({setup.Gauges[0].Name}, ...) are wired by the ESP32 application only; on a Raspberry Pi read them with the host drivers (TankLevelSerialSensor, PressureGauge, PowerMonitor)");
        if (setup.ChannelCount == 0) throw new FormatException($"{path}: no channels");
        return setup;
    }

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
                var now = _clock.UnixMs;
                _wiring.Simulate(_lastUnixMs, now);
                _lastUnixMs = now;
                _device.Tick();
                _wiring.Poll();
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
        _wiring.Dispose();
        _ownedGpio?.Dispose();
        _transport.Dispose();
        _store.Dispose();
    }

    /// <summary>The command line's single pulse meter as a configuration: one channel `main` on the
    /// role `pulse` (internal pull-up: S0 and reed outputs switch to ground).</summary>
    private static DeviceSetup PulseSetup(BoardMeterOptions o)
    {
        if (o.Kind == MeterKind.Forest) throw new ArgumentException("a board meter without a setup file is a water or energy pulse meter");
        var water = o.Kind == MeterKind.Water;
        var setup = new DeviceSetup();
        setup.Pins[setup.PinCount++] = new PinAssignment { Role = PulseRole, Gpio = o.PulsePin ?? 0, Mode = PinAssignment.ModeInputPullUp };
        setup.Channels[setup.ChannelCount++] = new ChannelSpec
        {
            Name = "main", Kind = ChannelSpec.KindPulse, Unit = water ? "mL" : "Wh", Source = ChannelSpec.SourceEdge, Pin = PulseRole,
            UnitsNumerator = o.UnitsNumerator ?? (water ? 1000 : 1), PulsesDenominator = o.PulsesDenominator, DebounceMs = o.DebounceMs,
        };
        return setup;
    }
}
