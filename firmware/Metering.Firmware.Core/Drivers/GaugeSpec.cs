namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>One gauge of the configuration file (`gauges[]`, firmware/README.md): which sensor
    /// measures it, in which quantity, and the sensor's own settings. Pins are fixed roles per sensor
    /// (a02yyuw: level_rx, level_tx; ads1115 and ina219: i2c_sda, i2c_scl; pzem: pzem_rx, pzem_tx).</summary>
    public sealed class GaugeSpec
    {
        public const string SensorA02yyuw = "a02yyuw";
        public const string SensorAds1115 = "ads1115";
        public const string SensorIna219 = "ina219";
        public const string SensorPzem = "pzem";

        public string Name;
        public string Sensor;

        /// <summary>A quantity of docs/protocol.md (gauge); a02yyuw defaults to level_mm.</summary>
        public string Quantity;

        /// <summary>7-bit I2C address (ads1115, ina219), or -1.</summary>
        public int Address = -1;

        /// <summary>a02yyuw: the distance from the sensor face to the tank floor.</summary>
        public int SensorToFloorMm;

        /// <summary>ads1115: the transducer's signal at zero and at full scale, and its full scale in
        /// the quantity's base unit (e.g. 660000, 3300000, 1000000 for a 0-10 bar 4-20 mA transducer
        /// through 165 Ω); -1 when not given.</summary>
        public int ZeroUv = -1;
        public int FullUv = -1;
        public int FullScale = -1;

        /// <summary>ina219: the current register's LSB and the shunt (datasheet 8.5.1); 0 when not given.</summary>
        public int CurrentLsbUa;
        public int ShuntMilliohms;

        public bool OnI2c
        {
            get { return Sensor == SensorAds1115 || Sensor == SensorIna219; }
        }
    }
}
