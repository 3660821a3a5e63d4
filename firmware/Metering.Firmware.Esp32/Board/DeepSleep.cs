using System;
using nanoFramework.Hardware.Esp32;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>Deep sleep for battery nodes (nanoFramework.Hardware.Esp32.Sleep): wake by timer and,
    /// when the pin map has one, by a button pulling an RTC GPIO low. Waking is a reset: the program
    /// starts again from Main and the core recovers its state from flash.</summary>
    internal static class DeepSleep
    {
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
