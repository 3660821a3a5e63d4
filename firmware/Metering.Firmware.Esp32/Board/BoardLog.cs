using System.Diagnostics;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>Debug output (Visual Studio's Output window while the board is attached to the debugger), and the
    /// effective configuration once at boot with the secrets masked (ESPHome's dump_config).</summary>
    internal static class BoardLog
    {
        public static void Line(string text)
        {
            Debug.WriteLine(text);
        }

        private static string Brokers(DeviceSetup s)
        {
            string text = "";
            for (int i = 0; i < s.BrokerCount; i++)
            {
                text += (i == 0 ? "" : ",") + s.BrokerHost(i) + ":" + s.BrokerPort(i);
            }
            return text;
        }

        public static void DumpConfig(DeviceSetup s)
        {
            Line("Commons Metering " + s.Config.FirmwareVersion + " on " + s.Board + " (" + s.Variant + ")");
            Line("  meter " + s.Config.Community + "/" + s.Config.MeterId + ", reading every " + s.Config.ReadingIntervalMs + " ms");
            Line("  wifi " + s.WifiSsid + " password " + Mask(s.WifiPassword));
            Line("  mqtt " + Brokers(s) + " user " + s.MqttUser + " password " + Mask(s.MqttPassword));
            for (int i = 0; i < s.PinCount; i++)
            {
                PinAssignment p = s.Pins[i];
                Line("  pin " + p.Role + " = GPIO" + p.Gpio + " " + PinAssignment.ModeNames[p.Mode]);
            }
            for (int i = 0; i < s.ChannelCount; i++)
            {
                ChannelSpec c = s.Channels[i];
                Line("  channel " + c.Name + ": " + c.Kind + " " + c.Unit + " from " + c.Source);
            }
            for (int i = 0; i < s.GaugeCount; i++)
            {
                GaugeSpec g = s.Gauges[i];
                Line("  gauge " + g.Name + ": " + g.Quantity + " from " + g.Sensor + (g.Address >= 0 ? " at I2C " + g.Address : ""));
            }
            if (s.SleepIntervalS > 0)
            {
                Line("  deep sleep " + s.SleepIntervalS + " s between wakes, awake at most " + s.AwakeMaxS + " s");
            }
            Line("  watchdog " + s.WatchdogMs + " ms, " + s.PermitCount + " permit cards");
        }

        private static string Mask(string secret)
        {
            return secret == null || secret.Length == 0 ? "(none)" : "***";
        }
    }
}
