using System.Device.I2c;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Firmware.Host.Drivers;

/// <summary>A System.Device.I2c device (/dev/i2c-1 on a Raspberry Pi: <c>I2cDevice.Create(new
/// I2cConnectionSettings(1, address))</c>) as the core's <see cref="II2cLink"/>, so the Pi runs the
/// same ADS1115 and INA219 logic as the ESP32. The Iot.Device.Bindings classes for these chips are
/// not used: they decode in floating point with their own fault handling, and the two boards would
/// then disagree on what a fault is.</summary>
public sealed class I2cDeviceLink(I2cDevice device) : II2cLink
{
    public bool Write(byte[] buffer, int count)
    {
        try
        {
            device.Write(buffer.AsSpan(0, count));
            return true;
        }
        catch (IOException)
        {
            return false; // no acknowledge: unplugged, wrong address
        }
    }

    public bool WriteRead(byte[] write, int writeCount, byte[] read, int readCount)
    {
        try
        {
            device.WriteRead(write.AsSpan(0, writeCount), read.AsSpan(0, readCount));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>The core's waits between bus steps, as thread sleeps.</summary>
internal sealed class ThreadDelay : IDelay
{
    public void SleepMs(int milliseconds) => Thread.Sleep(milliseconds);
}
