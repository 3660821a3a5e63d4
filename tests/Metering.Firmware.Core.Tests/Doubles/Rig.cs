using Commons.Metering.Firmware;

namespace Commons.Metering.Tests.Doubles;

/// <summary>A device wired to doubles: NOR flash with power cuts, a manual clock, a scripted
/// broker, a seeded random. <see cref="Reboot"/> builds a new device over the same flash, the
/// way a power cycle does (uptime restarts, wall time goes on).</summary>
public sealed class Rig
{
    /// <summary>2025-11-27 12:10:00 UTC, the time of the golden vectors.</summary>
    public const long Epoch = 1_764_245_400_000;

    private readonly Action<Rig> _setup;

    public Rig(Action<Rig> setup, FlashDouble? flash = null, DeviceConfig? config = null, long unixMs = Epoch, int seed = 7)
    {
        _setup = setup;
        Flash = flash ?? new FlashDouble();
        Config = config ?? NewConfig();
        Clock = new ManualClock(unixMs);
        Transport = new FakeTransport(Clock);
        Device = new MeterDevice(Config, Clock, Flash, Transport, new SeededRandom(seed));
        setup(this);
    }

    public FlashDouble Flash { get; }
    public DeviceConfig Config { get; }
    public ManualClock Clock { get; }
    public FakeTransport Transport { get; }
    public MeterDevice Device { get; }
    public PulseChannel? Water { get; set; }
    public RegisterChannel? Energy { get; set; }
    public AccumulatorChannel? Harvest { get; set; }

    /// <summary>Channels a setup wants to find by name, and anything else it wires (a handler).</summary>
    public Dictionary<string, PulseChannel> Taps { get; } = new();
    public object? Tag { get; set; }

    public PulseChannel WaterChannel => Water ?? throw new InvalidOperationException("no water channel");
    public RegisterChannel EnergyChannel => Energy ?? throw new InvalidOperationException("no energy channel");
    public AccumulatorChannel HarvestChannel => Harvest ?? throw new InvalidOperationException("no harvest channel");

    /// <summary>YF-S201 flow sensor: 450 pulses per litre, 50 ms debounce.</summary>
    public static void WaterMeter(Rig rig) => rig.Water = rig.Device.AddPulseChannel("main", "mL", 1000, 450, 50);

    public static void EnergyMeter(Rig rig) => rig.Energy = rig.Device.AddRegisterChannel("grid_import", "Wh");

    public static void ForestScale(Rig rig) => rig.Harvest = rig.Device.AddAccumulatorChannel("harvest", "g");

    public static DeviceConfig NewConfig() => new() { Community = "valley", MeterId = "house-7" };

    public static Rig Started(Action<Rig> setup, FlashDouble? flash = null, DeviceConfig? config = null, long unixMs = Epoch)
    {
        var rig = new Rig(setup, flash, config, unixMs);
        rig.Device.Start();
        return rig;
    }

    /// <summary>Power cycle: the flash keeps what was programmed; a new device starts on it.</summary>
    public Rig Reboot(long offMs = 5000)
    {
        Flash.PowerOn();
        var next = new Rig(_setup, Flash, Config, Clock.UnixMs == 0 ? 0 : Clock.UnixMs + offMs);
        next.Device.Start();
        return next;
    }

    /// <summary>Advances time in steps, ticking the device after each.</summary>
    public void Run(long ms, long stepMs = 1000)
    {
        for (long t = 0; t < ms; t += stepMs)
        {
            Clock.Advance(stepMs);
            Device.Tick();
        }
    }

    /// <summary>Ticks, acknowledging everything published, until the outbox is empty.</summary>
    public void Drain(int maxTicks = 10_000)
    {
        for (int i = 0; i < maxTicks; i++)
        {
            Device.Tick();
            Transport.AckAll();
            Device.Tick();
            if (Device.OutboxDepth == 0)
            {
                return;
            }
            Clock.Advance(10);
        }
        throw new InvalidOperationException($"outbox did not drain: {Device.OutboxDepth} left");
    }

    /// <summary>The gateway confirms these inclusive ranges (docs/protocol.md, confirmation), flattened
    /// as on the wire: first, last, first, last...</summary>
    public bool Confirm(params long[] ranges) =>
        Transport.Deliver(Device.TopicRoot + "/down/confirm", "{\"v\":1,\"seqs\":[" + string.Join(",", ranges) + "]}");

    /// <summary>Sequence numbers of the uplinks (readings and events) published so far, in order.</summary>
    public IEnumerable<long> SentSeqs => Transport.Published.Where(p => p.Topic.EndsWith("/up/reading", StringComparison.Ordinal)
        || p.Topic.EndsWith("/up/event", StringComparison.Ordinal)).Select(p => p.Seq);

    public IEnumerable<Published> Readings => Transport.On("/up/reading");
    public IEnumerable<Published> Events => Transport.On("/up/event");
    public IEnumerable<Published> Acks => Transport.On("/up/ack");

    public static long RegisterOf(Published reading, string channel)
    {
        foreach (var ch in reading.Json.GetProperty("ch").EnumerateArray())
        {
            if (ch.GetProperty("n").GetString() == channel)
            {
                return ch.GetProperty("reg").GetInt64();
            }
        }
        throw new InvalidOperationException($"no channel {channel} in {reading.Text}");
    }
}
