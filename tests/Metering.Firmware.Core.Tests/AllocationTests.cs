using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Platform;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests;

/// <summary>The hot path (count, read, encode, enqueue, publish, acknowledge, persist, compact,
/// thin) allocates nothing in steady state: the ESP32 has about 80 KB of managed heap.</summary>
public class AllocationTests
{
    /// <summary>A broker that records nothing (so the test measures only the device).</summary>
    private sealed class QuietTransport : IMqttTransport
    {
        private ITransportListener? _listener;
        private int _nextId = 1;
        private int _lastId;

        public bool AcceptConnections { get; set; } = true;
        public bool IsConnected { get; private set; }
        public int Publishes { get; private set; }

        public bool Connect(string clientId, string willTopic, byte[] willPayload) => IsConnected = AcceptConnections;
        public void Disconnect() => IsConnected = false;
        public bool Subscribe(string topic) => IsConnected;
        public void SetListener(ITransportListener listener) => _listener = listener;

        public int Publish(string topic, byte[] payload, int count, bool retain)
        {
            if (!IsConnected) { return -1; }
            Publishes++;
            _lastId = _nextId++;
            return _lastId;
        }

        public void AckLast() => _listener!.OnPublished(_lastId);

        public void Deliver(string json)
        {
            byte[] payload = System.Text.Encoding.UTF8.GetBytes(json);
            _listener!.OnMessage("commons/v1/valley/house-7/down/cmd", payload, payload.Length);
        }
    }

    /// <summary>Outputs that only remember their state, as pins do.</summary>
    private sealed class Pins : ICommandHandler
    {
        public int ValveSwitches { get; private set; }
        public bool EnergyOpen { get; private set; }

        public bool ApplyValve(string channel, bool open)
        {
            ValveSwitches++;
            return true;
        }

        public bool ApplyRelay(string channel, bool open) => (EnergyOpen = open) || true;
    }

    private static (MeterDevice Device, ManualClock Clock, QuietTransport Transport, PulseChannel Water, RegisterChannel Energy) Build(
        bool outputs = false)
    {
        var clock = new ManualClock(Rig.Epoch);
        var transport = new QuietTransport();
        var device = new MeterDevice(Rig.NewConfig(), clock, new FlashDouble(), transport, new SeededRandom(1));
        var water = device.AddPulseChannel("main", "mL", 1000, 450, 50);
        var energy = device.AddRegisterChannel("grid_import", "Wh");
        if (outputs)
        {
            device.SetOutput(water, ChannelOutput.Valve);
            device.SetOutput(energy, ChannelOutput.Relay);
        }
        device.Start();
        return (device, clock, transport, water, energy);
    }

    private static long Cycle(MeterDevice device, ManualClock clock, QuietTransport transport, PulseChannel water, RegisterChannel energy, int i)
    {
        clock.Advance(60_000);
        water.OnEdge(clock.UptimeMs);
        water.AddPulses(37);
        energy.Sample(1_000 + i);
        device.Tick();          // reading: encode, persist, publish
        transport.AckLast();
        device.Tick();          // PUBACK: removed
        return device.OutboxDepth;
    }

    [Fact]
    public void Online_steady_state_allocates_zero_bytes_per_reading()
    {
        var (device, clock, transport, water, energy) = Build();
        for (int i = 0; i < 2_000; i++)
        {
            Cycle(device, clock, transport, water, energy, i); // warm-up, includes compactions
        }
        int published = transport.Publishes;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3_000; i++)
        {
            Cycle(device, clock, transport, water, energy, i);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(transport.Publishes - published >= 3_000);
        Assert.InRange(device.OutboxDepth, 0, 1); // the newest reading waits for the next PUBACK
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gauges_sampled_summarised_encoded_and_thinned_allocate_zero_bytes(bool online)
    {
        var clock = new ManualClock(Rig.Epoch);
        var transport = new QuietTransport { AcceptConnections = online };
        var device = new MeterDevice(Rig.NewConfig(), clock, new FlashDouble(), transport, new SeededRandom(1));
        var water = device.AddPulseChannel("main", "mL", 1000, 450, 50);
        var level = device.AddGauge("reservoir", "level_mm", "a02yyuw");
        var volts = device.AddGauge("battery", "voltage_mv", "ina219");
        device.Start();
        void Cycle(int i)
        {
            for (int s = 0; s < 12; s++)
            {
                clock.Advance(5_000);
                level.Sample(1800 + (i + s) % 40);
                volts.Sample(12_400 - s);
                device.Tick();      // a reading and a gauge each minute
                transport.AckLast();
            }
            device.Tick();
        }
        for (int i = 0; i < 1_000; i++) Cycle(i); // warm-up, includes compactions and thinning

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_500; i++) Cycle(i);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(online ? transport.Publishes > 2_000 : device.OutboxDepth > 128);
        Assert.NotNull(water);
    }

    [Fact]
    public void Offline_steady_state_with_thinning_allocates_zero_bytes_per_reading()
    {
        var (device, clock, transport, water, energy) = Build();
        transport.AcceptConnections = false;
        for (int i = 0; i < 2_000; i++)
        {
            Cycle(device, clock, transport, water, energy, i);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3_000; i++)
        {
            Cycle(device, clock, transport, water, energy, i);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(device.OutboxDepth, 128, 256); // full and thinning
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Enforcing_a_local_policy_allocates_zero_bytes_per_reading()
    {
        var (device, clock, transport, water, energy) = Build(outputs: true);
        var pins = new Pins();
        device.SetCommandHandler(pins);
        // Commands allocate (their cids are kept as strings): all of them during the warm-up.
        transport.Deliver("""{"v":1,"cid":"a","exp":9999999999999,"op":"allowance","ch":"main","limit":100000,"period_s":86400,"class":"standard"}""");
        transport.Deliver("""{"v":1,"cid":"s","exp":9999999999999,"op":"safety","ch":"main","leak_s":2000000000,"burst_per_min":100000}""");
        transport.Deliver("""{"v":1,"cid":"e","exp":9999999999999,"op":"allowance","ch":"grid_import","limit":0,"period_s":3600,"class":"discretionary"}""");
        transport.Deliver("""{"v":1,"cid":"t","exp":9999999999999,"op":"stage","stage":1}""");
        for (int i = 0; i < 2_000; i++)
        {
            Cycle(device, clock, transport, water, energy, i);
        }
        Assert.Equal(1, device.Stage);
        int switches = pins.ValveSwitches;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3_000; i++)
        {
            Cycle(device, clock, transport, water, energy, i); // two days: roll-overs, curtailments, re-openings
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(pins.EnergyOpen);
        Assert.True(pins.ValveSwitches - switches >= 3, $"{pins.ValveSwitches - switches} valve switches"); // closed at 100 L, reopened at midnight
        Assert.Equal(0, allocated);
    }
}
