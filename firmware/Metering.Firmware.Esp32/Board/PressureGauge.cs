using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>A pressure transducer (4-20 mA through a shunt, or 0.5-4.5 V through a divider) on an
    /// ADS1115's AIN0, read in single-shot mode by the core's <see cref="Ads1115"/> and converted by
    /// its <see cref="AnalogTransducer"/>. This class only opens the bus device.</summary>
    internal sealed class PressureGauge
    {
        /// <summary>128 SPS: a conversion is ready after one 8 ms wait; 4 polls is twice the datasheet's
        /// worst case (internal oscillator -10%) with room to spare.</summary>
        private const int MaxPolls = 4;

        private readonly Ads1115 _adc;
        private readonly AnalogTransducer _transducer;
        private readonly IDelay _delay = new ThreadDelay();

        public PressureGauge(int address, AnalogTransducer transducer)
        {
            // ±4.096 V: the 3.30 V top of a 4-20 mA loop through 165 Ω, with margin for NE43's 21 mA.
            _adc = new Ads1115(I2cBus.Open(address), Ads1115.MuxAin0, Ads1115.Pga4096mV);
            _transducer = transducer;
        }

        /// <summary>The transducer's value in its base unit (Pa, or mm for a level transducer); false on a
        /// bus failure, a clipped code or a loop fault.</summary>
        public bool TryRead(out int value)
        {
            value = 0;
            int microvolts;
            if (!_adc.TryConvert(MaxPolls, _delay, out microvolts))
            {
                BoardLog.Line("ads1115: no conversion");
                return false;
            }
            if (!_transducer.TryToUnits(microvolts, out value))
            {
                BoardLog.Line("ads1115: signal in the fault band, " + microvolts + " uV");
                return false;
            }
            return true;
        }
    }
}
