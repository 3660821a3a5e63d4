using System.Diagnostics;
using System.Text.Json;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Bench;

/// <summary>The firmware core on the host build: bytes allocated and time per reading in steady
/// state (count -> encode -> enqueue -> publish -> PUBACK -> dequeue), through the real
/// <see cref="MeterDevice"/>. Reference measured in the same run: the same reading serialised
/// with System.Text.Json (what a reflection-based encoder costs; on the device it is far worse).</summary>
internal sealed class CoreBenchmark(int readings, TextWriter log)
{
    public int Run()
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        var clock = new StepClock();
        var transport = new AckingTransport();
        var device = new MeterDevice(
            new DeviceConfig { Community = "bench", MeterId = "core-0", ReadingIntervalMs = 1000, PersistIntervalMs = 300_000 },
            clock, new RamBlockStore(64, 4096), transport, new FixedRandom());
        var water = device.AddPulseChannel("main", "mL", 1000, 450, 50);
        device.Start();

        // Warm up for 2 s of wall time: JIT and tiered re-compilation (which allocates a few bytes
        // once, in the background after ~100 ms) finish, the first connect is made, the outbox and
        // the totals ring reach steady state (compactions included).
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(2)) Step(device, water, clock, 1_000);

        var seqBefore = device.LastSeq;
        var watch = new Stopwatch(); // allocated before the count starts (a Stopwatch is 40 bytes)
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        watch.Start();
        Step(device, water, clock, readings);
        watch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var published = device.LastSeq - seqBefore;
        if (published < readings) throw new InvalidOperationException($"only {published} of {readings} readings published");
        if (device.OutboxDepth > 1) throw new InvalidOperationException($"outbox not drained: {device.OutboxDepth}");

        var (refBytes, refNs) = Reference(readings);
        var bytesPerReading = (double)allocated / readings;
        var nsPerReading = watch.Elapsed.TotalNanoseconds / readings;
        log.WriteLine($"firmware core, {readings} readings through MeterDevice (pulses, encode, outbox, publish, PUBACK):");
        log.WriteLine($"  core:       {bytesPerReading,8:F2} bytes allocated/reading  {nsPerReading,8:F0} ns/reading  ({allocated} bytes in all)");
        log.WriteLine($"  reference:  {refBytes,8:F2} bytes allocated/reading  {refNs,8:F0} ns/reading  (System.Text.Json of the same reading)");
        log.WriteLine($"  ratio core/reference: bytes {bytesPerReading / refBytes:F3}, time {nsPerReading / refNs:F2}");
        var ok = allocated == 0;
        log.WriteLine($"target: 0 bytes allocated per reading in steady state: {(ok ? "met" : "NOT met")}");
        return ok ? 0 : 3;
    }

    private static void Step(MeterDevice device, PulseChannel water, StepClock clock, int count)
    {
        for (var i = 0; i < count; i++)
        {
            water.AddPulses(9);
            clock.Advance(1000);
            device.Tick();   // takes the reading (interval elapsed) and publishes it
            device.Tick();   // processes the PUBACK
        }
    }

    private static (double Bytes, double Ns) Reference(int count)
    {
        var buffer = new MemoryStream(1024);
        using var writer = new Utf8JsonWriter(buffer);
        var reading = new ReferenceReading { v = 1, seq = 1, ts = 1764245400000, ch = [new ReferenceChannel { n = "main", u = "mL", reg = 1 }] };
        JsonSerializer.Serialize(writer, reading); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            reading.seq++; reading.ts += 1000; reading.ch[0].reg += 20;
            buffer.SetLength(0);
            writer.Reset();
            JsonSerializer.Serialize(writer, reading);
        }
        watch.Stop();
        return ((double)(GC.GetAllocatedBytesForCurrentThread() - before) / count, watch.Elapsed.TotalNanoseconds / count);
    }

#pragma warning disable IDE1006 // wire names
    private sealed class ReferenceReading { public int v { get; set; } public long seq { get; set; } public long ts { get; set; } public ReferenceChannel[] ch { get; set; } = []; }
    private sealed class ReferenceChannel { public string n { get; set; } = ""; public string u { get; set; } = ""; public long reg { get; set; } }
#pragma warning restore IDE1006

    private sealed class StepClock : IClock
    {
        private long _up;
        public long UnixMs => 1764245400000 + _up;
        public long UptimeMs => _up;
        public void Advance(long ms) => _up += ms;
    }

    private sealed class FixedRandom : IRandom
    {
        public int Next(int maxExclusive) => 0;
    }

    /// <summary>NOR-flash-like RAM store: erase to 0xFF, writes as given.</summary>
    private sealed class RamBlockStore(int blockCount, int blockSize) : IBlockStore
    {
        private readonly byte[] _bytes = Enumerable.Repeat((byte)0xFF, blockCount * blockSize).ToArray();
        public int BlockSize => blockSize;
        public int BlockCount => blockCount;
        public void Read(int block, int offset, byte[] buffer, int index, int count) => Array.Copy(_bytes, block * blockSize + offset, buffer, index, count);
        public void Write(int block, int offset, byte[] data, int index, int count) => Array.Copy(data, index, _bytes, block * blockSize + offset, count);
        public void Erase(int block) => Array.Fill(_bytes, (byte)0xFF, block * blockSize, blockSize);
    }

    /// <summary>A broker that acknowledges every publish at once (the PUBACK is queued by the
    /// core's inbox and processed on the next Tick, as with a real client's receive thread).</summary>
    private sealed class AckingTransport : IMqttTransport
    {
        private ITransportListener? _listener;
        private int _nextId;
        public bool IsConnected { get; private set; }
        public bool Connect(string clientId, string willTopic, byte[] willPayload) => IsConnected = true;
        public void Disconnect() => IsConnected = false;
        public int Publish(string topic, byte[] payload, int count, bool retain)
        {
            var id = _nextId = _nextId % 65535 + 1;
            _listener?.OnPublished(id);
            return id;
        }
        public bool Subscribe(string topic) => true;
        public void SetListener(ITransportListener listener) => _listener = listener;
    }
}
