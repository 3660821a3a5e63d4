using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>A simulated feeder node: a <see cref="SimulatedGaugeNode"/> with one gauge <c>load_w</c>
/// (quantity power_w, sensor pzem), as the kit's PZEM-004T on the feeder's incoming line reports its
/// active power.</summary>
public sealed class SimulatedFeederGauge : IAsyncDisposable
{
    public SimulatedFeederGauge(string community, string meterId, MqttBrokerOptions broker, string flashPath, IClock clock,
        int readingIntervalMs = 60_000, int sampleEveryMs = 10_000)
    {
        Node = new SimulatedGaugeNode(community, meterId, "load_w", "power_w", "pzem", broker, flashPath, clock, readingIntervalMs, sampleEveryMs);
    }

    public SimulatedGaugeNode Node { get; }

    /// <summary>The feeder's active power the PZEM would measure now.</summary>
    public long LoadW
    {
        get => Node.Value;
        set => Node.Value = value;
    }

    public bool IsConnected => Node.IsConnected;

    public void Start() => Node.Start();

    public ValueTask DisposeAsync() => Node.DisposeAsync();
}
