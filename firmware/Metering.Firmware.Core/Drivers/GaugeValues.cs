namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>A gauge's value in its quantity's base unit from a multi-quantity sensor's reading
    /// (an INA219 or a PZEM gives voltage, current and power at once): the board reads the chip once
    /// and each configured gauge takes its quantity.</summary>
    public static class GaugeValues
    {
        /// <summary>voltage_mv, current_ma (signed) or power_w; false for another quantity.</summary>
        public static bool FromIna219(Ina219Reading reading, string quantity, out int value)
        {
            value = 0;
            if (quantity == "voltage_mv")
            {
                value = reading.BusMv;
                return true;
            }
            if (quantity == "current_ma")
            {
                value = reading.CurrentUa / 1000;
                return true;
            }
            if (quantity == "power_w")
            {
                value = reading.PowerMw / 1000;
                return true;
            }
            return false;
        }

        /// <summary>power_w, voltage_mv or current_ma; false for another quantity.</summary>
        public static bool FromPzem(PzemReading reading, string quantity, out int value)
        {
            value = 0;
            if (quantity == "power_w")
            {
                value = (int)(reading.PowerDeciW / 10);
                return true;
            }
            if (quantity == "voltage_mv")
            {
                value = reading.VoltageDeciV * 100;
                return true;
            }
            if (quantity == "current_ma")
            {
                value = (int)reading.CurrentMilliA;
                return true;
            }
            return false;
        }
    }
}
