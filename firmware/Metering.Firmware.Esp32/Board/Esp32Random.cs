using System;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>Backoff jitter. Seeded from the uptime in microseconds, which differs between devices
    /// that lost power together (Wi-Fi and DHCP timing vary), so a fleet does not reconnect in step.</summary>
    internal sealed class Esp32Random : IRandom
    {
        private readonly Random _random = new Random((int)nanoFramework.Hardware.Esp32.HighResTimer.GetCurrent());

        public int Next(int maxExclusive)
        {
            return _random.Next(maxExclusive);
        }
    }
}
