namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>A linear analog transducer read as a voltage: a 4-20 mA loop through a shunt, or a
    /// 0.5-4.5 V ratiometric output (through a divider when the ADC runs at 3.3 V). The value in base
    /// units is linear between the voltage at zero and the voltage at full scale. Signals well
    /// outside that span are faults, not values (NAMUR NE43: below 3.6 mA or above 21 mA on a 4-20
    /// mA loop, i.e. 2.5% of the span below zero or 6.25% above full scale; the same fractions are
    /// applied to a voltage output, whose open or shorted wire reads near 0 V or the supply).</summary>
    public sealed class AnalogTransducer
    {
        private readonly int _zeroUv;
        private readonly int _fullUv;
        private readonly int _fullScaleUnits;
        private readonly int _lowFaultUv;
        private readonly int _highFaultUv;

        /// <param name="zeroUv">signal at 0 units, e.g. 4 mA x 165 Ω = 660,000 µV.</param>
        /// <param name="fullUv">signal at full scale, e.g. 20 mA x 165 Ω = 3,300,000 µV.</param>
        /// <param name="fullScaleUnits">the transducer's range in base units, e.g. 1,000,000 Pa for 10 bar.</param>
        public AnalogTransducer(int zeroUv, int fullUv, int fullScaleUnits)
        {
            if (fullUv <= zeroUv)
            {
                throw new System.ArgumentException("transducer full-scale signal must be above its zero signal");
            }
            if (fullScaleUnits <= 0)
            {
                throw new System.ArgumentException("transducer full scale must be positive");
            }
            _zeroUv = zeroUv;
            _fullUv = fullUv;
            _fullScaleUnits = fullScaleUnits;
            int span = fullUv - zeroUv;
            _lowFaultUv = zeroUv - span / 40;       // 0.4 mA of 16 mA (NE43: 3.6 mA)
            _highFaultUv = fullUv + span / 16;      // 1 mA of 16 mA (NE43: 21 mA)
        }

        /// <summary>Shunt voltage for a loop current: µA x Ω = µV.</summary>
        public static int LoopMicrovolts(int microamps, int shuntOhms)
        {
            return microamps * shuntOhms;
        }

        /// <summary>The value in base units (truncated toward zero, clamped to 0..full scale inside
        /// the tolerated band); false for a signal in the fault band.</summary>
        public bool TryToUnits(int microvolts, out int units)
        {
            units = 0;
            if (microvolts < _lowFaultUv || microvolts > _highFaultUv)
            {
                return false;
            }
            long value = (long)(microvolts - _zeroUv) * _fullScaleUnits / (_fullUv - _zeroUv);
            if (value < 0)
            {
                value = 0;
            }
            if (value > _fullScaleUnits)
            {
                value = _fullScaleUnits;
            }
            units = (int)value;
            return true;
        }
    }
}
