using System.Threading;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Platform;
using nanoFramework.Runtime.Native;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>The software watchdog: a thread that reboots the board (Power.RebootDevice) when the
    /// main loop has not fed it for the configured time. The decision is the core's TickWatchdog.</summary>
    internal sealed class Watchdog
    {
        /// <summary>Checked every second: a stall is acted on within a second of the timeout.</summary>
        private const int CheckIntervalMs = 1000;

        private readonly TickWatchdog _policy;
        private readonly IClock _clock;

        public Watchdog(int timeoutMs, IClock clock)
        {
            _policy = new TickWatchdog(timeoutMs);
            _clock = clock;
        }

        public void Feed()
        {
            _policy.Feed(_clock.UptimeMs);
        }

        public void Start()
        {
            Thread thread = new Thread(Run);
            thread.Priority = ThreadPriority.AboveNormal;
            thread.Start();
        }

        private void Run()
        {
            while (true)
            {
                Thread.Sleep(CheckIntervalMs);
                if (_policy.IsStalled(_clock.UptimeMs))
                {
                    BoardLog.Line("watchdog: the main loop stalled, rebooting");
                    Power.RebootDevice();
                }
            }
        }
    }
}
