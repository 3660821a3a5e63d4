using System;
using nanoFramework.Hardware.Esp32;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>Deep sleep for battery nodes (nanoFramework.Hardware.Esp32.Sleep): wake by timer and,
    /// when the pin map has one, by a button pulling an RTC GPIO low. Waking is a reset: the program
    /// starts again from Main and the core recovers its state from flash (not counted as a boot).</summary>
    internal static class DeepSleep
    {
        /// <summary>True when this start is a wake from deep sleep (timer or wake button), false
        /// after a real reset: power-on, watchdog, brown-out, flashing. Sleep.GetWakeupCause() is
        /// Undefined unless the reset was an exit from deep sleep (nanoFramework.Hardware.Esp32).</summary>
        public static bool WokeFromDeepSleep()
        {
            return Sleep.GetWakeupCause() != Sleep.WakeupCause.Undefined;
        }

        public static void Enter(int intervalS, int wakeGpio)
        {
            Sleep.EnableWakeupByTimer(TimeSpan.FromTicks((long)intervalS * TimeSpan.TicksPerSecond));
            if (wakeGpio >= 0)
            {
                // Level 0: the button pulls the pin to GND against its external pull-up.
                Sleep.EnableWakeupByPin((Sleep.WakeupGpioPin)((ulong)1 << wakeGpio), 0);
            }
            BoardLog.Line("sleep: " + intervalS + " s");
            Sleep.StartDeepSleep(); // never returns
        }
    }
}
