using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Drivers;

/// <summary>A real core for driver tests: a flash file in a temporary directory, a transport that
/// is never connected (the drivers under test only feed channels), a simulated clock.</summary>
internal sealed class OfflineDevice : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FileBlockStore _store;
    private readonly MqttNetTransport _transport = new(new MqttBrokerOptions { Host = "127.0.0.1" });

    public OfflineDevice(string meterId)
    {
        _store = new FileBlockStore(_dir.File(meterId + ".flash"));
        Device = new MeterDevice(new DeviceConfig { Community = "t", MeterId = meterId }, Clock, _store, _transport, new SeededRandom(1));
    }

    public SimulatedClock Clock { get; } = new(1_764_245_400_000); // 2025-11-27, any set time will do

    public MeterDevice Device { get; }

    public string DataDirectory => _dir.Path;

    public void Dispose()
    {
        _transport.Dispose();
        _store.Dispose();
        _dir.Dispose();
    }
}
