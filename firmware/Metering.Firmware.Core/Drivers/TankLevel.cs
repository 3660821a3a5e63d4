namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>A downward-looking distance sensor over a tank: level = distance from the sensor to
    /// the tank floor minus the measured distance to the water surface.</summary>
    public sealed class TankLevel
    {
        private readonly int _sensorToFloorMm;

        /// <param name="sensorToFloorMm">distance from the sensor face to the tank floor, measured at
        /// installation (hardware/sensors/a02yyuw-ultrasonic "Calibration").</param>
        public TankLevel(int sensorToFloorMm)
        {
            if (sensorToFloorMm < A02yyuw.MinDistanceMm || sensorToFloorMm > A02yyuw.MaxDistanceMm)
            {
                throw new System.ArgumentException("sensor_to_floor_mm must be within the sensor's range, 30..4500");
            }
            _sensorToFloorMm = sensorToFloorMm;
        }

        /// <summary>Level in mm above the floor; false for a distance outside the sensor's range or
        /// beyond the floor by more than the sensor's accuracy (a wrong mount or an echo off a pipe).</summary>
        public bool TryLevelMm(int distanceMm, out int levelMm)
        {
            levelMm = 0;
            if (!A02yyuw.InRange(distanceMm))
            {
                return false;
            }
            int level = _sensorToFloorMm - distanceMm;
            // Datasheet accuracy: ±(1 + S x 0.3%) cm; a few cm below the floor is noise, more is a fault.
            int toleranceMm = 10 + distanceMm * 3 / 1000;
            if (level < -toleranceMm)
            {
                return false;
            }
            levelMm = level < 0 ? 0 : level;
            return true;
        }
    }
}
