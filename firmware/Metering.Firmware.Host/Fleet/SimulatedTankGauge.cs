using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Fleet;

/// <summary>A simulated reservoir node: a <see cref="SimulatedGaugeNode"/> with one gauge <c>level_mm</c>
/// (quantity level_mm, sensor sim), as a board polls an A02YYUW over the tank.</summary>
public sealed class SimulatedTankGauge : IAsyncDisposable
{
    public SimulatedTankGauge(string community, string meterId, MqttBrokerOptions broker, string flashPath, IClock clock,
        int readingIntervalMs = 60_000, int sampleEveryMs = 10_000)
    {
        Node = new SimulatedGaugeNode(community, meterId, "level_mm", "level_mm", "sim", broker, flashPath, clock, readingIntervalMs, sampleEveryMs);
    }

    public SimulatedGaugeNode Node { get; }

    /// <summary>The water level the sensor would measure now.</summary>
    public long LevelMm
    {
        get => Node.Value;
        set => Node.Value = value;
    }

    /// <summary>False: the sensor's cable is cut; polls fail and no gauge is sent.</summary>
    public bool Plugged
    {
        get => Node.Plugged;
        set => Node.Plugged = value;
    }

    /// <summary>Sensor polls that produced no value (while unplugged).</summary>
    public long FailedPolls => Node.FailedPolls;

    public void Start() => Node.Start();

    public ValueTask DisposeAsync() => Node.DisposeAsync();
}
