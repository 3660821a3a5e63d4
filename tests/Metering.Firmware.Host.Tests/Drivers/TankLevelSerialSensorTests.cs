using Commons.Metering.Firmware.Host.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The A02YYUW tank sensor end to end over a real pseudo-terminal: System.IO.Ports'
/// SerialPort on /dev/pts/N, the core's frame parser, the test writing datasheet frames.</summary>
public sealed class TankLevelSerialSensorTests : IDisposable
{
    private readonly PseudoTerminal _pty = new();

    [Fact]
    public void The_datasheet_frame_over_a_2000_mm_mount_is_47_mm_of_water()
    {
        using var sensor = new TankLevelSerialSensor(_pty.SlavePath, sensorToFloorMm: 2000);
        _pty.Write([0x07, 0xFF, 0x07, 0xA1, 0xA7]); // a cut-off frame's tail, then FF 07 A1 A7 = 1953 mm

        Assert.True(sensor.TryReadLevelMm(out int level));

        Assert.Equal(47, level);
        Assert.Equal(1953, sensor.LastDistanceMm);
    }

    [Fact]
    public void A_silent_sensor_is_no_level()
    {
        using var sensor = new TankLevelSerialSensor(_pty.SlavePath, 2000, readTimeoutMs: 50);
        Assert.False(sensor.TryReadLevelMm(out _));
    }

    [Fact]
    public void A_bad_checksum_is_no_level()
    {
        using var sensor = new TankLevelSerialSensor(_pty.SlavePath, 2000, readTimeoutMs: 50);
        _pty.Write([0xFF, 0x07, 0xA1, 0xA8]);
        Assert.False(sensor.TryReadLevelMm(out _));
        Assert.Equal(1, sensor.ChecksumErrors);
    }

    public void Dispose() => _pty.Dispose();
}
