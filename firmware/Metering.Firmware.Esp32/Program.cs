using System;
using System.Threading;
using Commons.Metering.Esp32.Board;
using Commons.Metering.Firmware.Drivers;
using nanoFramework.Runtime.Native;

namespace Commons.Metering.Esp32
{
    /// <summary>Boot: read the configuration from I:\, log it, run the board. Everything the device
    /// does is in the firmware core; this project only wires it to the ESP32.</summary>
    public static class Program
    {
        /// <summary>Without a valid configuration there is nothing to run: wait a minute (time for a
        /// technician to deploy one with nanoff, firmware/README.md) and boot again.</summary>
        private const int ConfigRetryMs = 60000;

        public static void Main()
        {
            DeviceSetup setup = new DeviceSetup();
            string error = ConfigFile.Load(ConfigFile.DevicePath, setup);
            if (error != null)
            {
                BoardLog.Line("configuration: " + error);
                Thread.Sleep(ConfigRetryMs);
                Power.RebootDevice();
                return;
            }
            BoardLog.DumpConfig(setup);
            try
            {
                new MeterBoard(setup).Run();
            }
            catch (Exception ex)
            {
                // Core README: a block-store exception (a dying flash) propagates out of Tick; the
                // board logs it and restarts. Any other escape is a bug: restart rather than hang.
                BoardLog.Line("fatal: " + ex.Message);
                Power.RebootDevice();
            }
        }
    }
}
