using System;
using System.Device.I2c;
using System.Threading;
using Commons.Metering.Firmware.Drivers;
using nanoFramework.Hardware.Esp32;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>I2C1 on the pin map's `i2c_sda` / `i2c_scl` GPIOs at 100 kHz (standard mode: the
    /// ADS1115 and INA219 both run at up to 400 kHz, but a few metres of cable to a well head do not),
    /// and each device on it as the core's <see cref="II2cLink"/>.</summary>
    internal static class I2cBus
    {
        public const int BusId = 1;

        /// <summary>Routes I2C1 to the pin map's pins; call once before opening any device.</summary>
        public static void Route(int sdaGpio, int sclGpio)
        {
            Configuration.SetPinFunction(sdaGpio, DeviceFunction.I2C1_DATA);
            Configuration.SetPinFunction(sclGpio, DeviceFunction.I2C1_CLOCK);
        }

        public static II2cLink Open(int address)
        {
            return new DeviceLink(I2cDevice.Create(new I2cConnectionSettings(BusId, address, I2cBusSpeed.StandardMode)));
        }

        /// <summary>One device: a transfer that is not complete (no acknowledge, bus stuck) or throws becomes false.</summary>
        private sealed class DeviceLink : II2cLink
        {
            private readonly I2cDevice _device;

            public DeviceLink(I2cDevice device)
            {
                _device = device;
            }

            public bool Write(byte[] buffer, int count)
            {
                try
                {
                    I2cTransferResult result = _device.Write(new SpanByte(buffer, 0, count));
                    return result.Status == I2cTransferStatus.FullTransfer;
                }
                catch (Exception ex)
                {
                    BoardLog.Line("i2c: " + ex.Message);
                    return false;
                }
            }

            public bool WriteRead(byte[] write, int writeCount, byte[] read, int readCount)
            {
                try
                {
                    I2cTransferResult result = _device.WriteRead(new SpanByte(write, 0, writeCount), new SpanByte(read, 0, readCount));
                    return result.Status == I2cTransferStatus.FullTransfer;
                }
                catch (Exception ex)
                {
                    BoardLog.Line("i2c: " + ex.Message);
                    return false;
                }
            }
        }
    }

    /// <summary>The core's waits between bus steps, as thread sleeps.</summary>
    internal sealed class ThreadDelay : IDelay
    {
        public void SleepMs(int milliseconds)
        {
            Thread.Sleep(milliseconds);
        }
    }
}
