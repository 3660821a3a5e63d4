namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>The `gauges` section (firmware/README.md): which sensor measures each gauge, on which
    /// pins or I2C address, with which calibration; checked so that a typo stops the boot with a
    /// message naming the gauge instead of a gauge that is silently never sent.</summary>
    public sealed partial class DeviceSetupParser
    {
        /// <summary>ADS1115 (SBAS444, table 4): ADDR to GND, VDD, SDA or SCL gives 0x48..0x4B.</summary>
        private const int Ads1115FirstAddress = 0x48;
        private const int Ads1115LastAddress = 0x4B;

        /// <summary>INA219 (SBOS448, table 1): A1 and A0 each to GND, VS, SDA or SCL give 0x40..0x4F.</summary>
        private const int Ina219FirstAddress = 0x40;
        private const int Ina219LastAddress = 0x4F;

        /// <summary>The board reads the ADS1115 at its ±4.096 V range (Board/PressureGauge.cs): a
        /// signal above 4,096,000 µV clips.</summary>
        private const int Ads1115FullScaleUv = 4096000;

        private bool GaugesSection(DeviceSetup s)
        {
            if (!_j.Consume('['))
            {
                return Fail("gauges must be an array");
            }
            bool first = true;
            int next;
            while ((next = NextElement(ref first, "gauges")) > 0)
            {
                if (s.GaugeCount == Limits.MaxGauges)
                {
                    return Fail("at most " + Limits.MaxGauges + " gauges (docs/protocol.md, gauge)");
                }
                GaugeSpec gauge = new GaugeSpec();
                if (!Gauge(gauge))
                {
                    return false;
                }
                s.Gauges[s.GaugeCount++] = gauge;
            }
            return next == 0;
        }

        private bool Gauge(GaugeSpec g)
        {
            if (!_j.Consume('{'))
            {
                return Fail("each gauge must be an object");
            }
            bool first = true;
            string key;
            int next;
            long n;
            while ((next = NextKey(ref first, "gauges[]", out key)) > 0)
            {
                bool ok;
                if (key == "name") { ok = Text("gauges[].name", Limits.MaxChannelNameLength, out g.Name); }
                else if (key == "sensor") { ok = Text("gauges[].sensor", 16, out g.Sensor); }
                else if (key == "quantity") { ok = Text("gauges[].quantity", 24, out g.Quantity); }
                else if (key == "address") { ok = Int("gauges[].address", 0, 127, out n); g.Address = (int)n; }
                else if (key == "sensor_to_floor_mm") { ok = Int("gauges[].sensor_to_floor_mm", A02yyuw.MinDistanceMm, A02yyuw.MaxDistanceMm, out n); g.SensorToFloorMm = (int)n; }
                else if (key == "zero_uv") { ok = Int("gauges[].zero_uv", 0, Ads1115FullScaleUv, out n); g.ZeroUv = (int)n; }
                else if (key == "full_uv") { ok = Int("gauges[].full_uv", 0, Ads1115FullScaleUv, out n); g.FullUv = (int)n; }
                else if (key == "full_scale") { ok = Int("gauges[].full_scale", 1, int.MaxValue, out n); g.FullScale = (int)n; }
                else if (key == "current_lsb_ua") { ok = Int("gauges[].current_lsb_ua", 1, 1000000, out n); g.CurrentLsbUa = (int)n; }
                else if (key == "shunt_milliohms") { ok = Int("gauges[].shunt_milliohms", 1, 1000000, out n); g.ShuntMilliohms = (int)n; }
                else if (key == "note") { ok = Skip(); }
                else { ok = Fail("unknown key \"" + key + "\" in gauges[]"); }
                if (!ok)
                {
                    return false;
                }
            }
            return next == 0;
        }

        private static string ValidateGauges(DeviceSetup s)
        {
            int tanks = 0;
            for (int i = 0; i < s.GaugeCount; i++)
            {
                GaugeSpec g = s.Gauges[i];
                string why = CheckGauge(s, g);
                for (int j = 0; j < i && why == null; j++)
                {
                    why = Clash(s.Gauges[j], g);
                }
                if (why == null && g.Sensor == GaugeSpec.SensorA02yyuw && ++tanks > 1)
                {
                    why = "one a02yyuw per board (it has UART COM3 to itself)";
                }
                if (why != null)
                {
                    return "gauge " + g.Name + ": " + why;
                }
            }
            return null;
        }

        private static string CheckGauge(DeviceSetup s, GaugeSpec g)
        {
            if (!Ascii.IsChannelName(g.Name))
            {
                return "name must match ^[a-z0-9][a-z0-9_]{0,31}$";
            }
            if (g.Sensor == GaugeSpec.SensorA02yyuw)
            {
                if (g.Quantity == null)
                {
                    g.Quantity = "level_mm";
                }
                if (g.Quantity != "level_mm")
                {
                    return "an a02yyuw measures level_mm";
                }
                if (g.SensorToFloorMm == 0)
                {
                    return "sensor_to_floor_mm (the mount height above the tank floor, 30..4500) is required";
                }
                if (!HasPin(s, "level_rx", true) || !HasPin(s, "level_tx", false))
                {
                    return "the a02yyuw needs pins level_rx (in) and level_tx (out)";
                }
                return null;
            }
            if (g.Sensor == GaugeSpec.SensorAds1115)
            {
                if (g.Quantity != "pressure_pa" && g.Quantity != "level_mm")
                {
                    return "an ads1115 transducer measures pressure_pa or level_mm (quantity is required)";
                }
                if (g.Address < Ads1115FirstAddress || g.Address > Ads1115LastAddress)
                {
                    return "an ads1115's address is 72..75 (0x48..0x4B, its ADDR pin)";
                }
                if (g.ZeroUv < 0 || g.FullUv < 0 || g.FullScale < 0)
                {
                    return "zero_uv, full_uv and full_scale (the transducer's signal at zero and full scale, and its range) are required";
                }
                if (g.FullUv <= g.ZeroUv)
                {
                    return "full_uv must be above zero_uv";
                }
                return I2cPins(s);
            }
            if (g.Sensor == GaugeSpec.SensorIna219)
            {
                if (g.Quantity != "voltage_mv" && g.Quantity != "current_ma" && g.Quantity != "power_w")
                {
                    return "an ina219 measures voltage_mv, current_ma or power_w (quantity is required)";
                }
                if (g.Address < Ina219FirstAddress || g.Address > Ina219LastAddress)
                {
                    return "an ina219's address is 64..79 (0x40..0x4F, its A0 and A1 pins)";
                }
                if (g.CurrentLsbUa == 0 || g.ShuntMilliohms == 0)
                {
                    return "current_lsb_ua and shunt_milliohms are required";
                }
                try
                {
                    Ina219.Calibration(g.CurrentLsbUa, g.ShuntMilliohms);
                }
                catch (System.ArgumentException ex)
                {
                    return ex.Message;
                }
                return I2cPins(s);
            }
            if (g.Sensor == GaugeSpec.SensorPzem)
            {
                if (g.Quantity != "power_w" && g.Quantity != "voltage_mv" && g.Quantity != "current_ma")
                {
                    return "a pzem gauge measures power_w, voltage_mv or current_ma (quantity is required)";
                }
                if (!HasPin(s, "pzem_rx", true) || !HasPin(s, "pzem_tx", false))
                {
                    return "the pzem needs pins pzem_rx (in) and pzem_tx (out)";
                }
                return null;
            }
            return "sensor must be a02yyuw, ads1115, ina219 or pzem";
        }

        /// <summary>SDA is driven as well as read, so neither line may be an input-only GPIO (34-39):
        /// both are declared `out`, which the ESP32 pin check enforces.</summary>
        private static string I2cPins(DeviceSetup s)
        {
            if (!HasPin(s, "i2c_sda", false) || !HasPin(s, "i2c_scl", false))
            {
                return "i2c sensors need pins i2c_sda (out) and i2c_scl (out)";
            }
            return null;
        }

        /// <summary>Two gauges that cannot both be true of one board.</summary>
        private static string Clash(GaugeSpec earlier, GaugeSpec g)
        {
            if (earlier.Name == g.Name)
            {
                return "declared twice";
            }
            if (!earlier.OnI2c || !g.OnI2c || earlier.Address != g.Address)
            {
                return null;
            }
            if (earlier.Sensor != g.Sensor)
            {
                return "I2C address " + g.Address + " is also the " + earlier.Sensor + " of gauge " + earlier.Name;
            }
            if (g.Sensor == GaugeSpec.SensorAds1115)
            {
                return "the ads1115 at " + g.Address + " already serves gauge " + earlier.Name + " (the board reads AIN0 only)";
            }
            if (earlier.CurrentLsbUa != g.CurrentLsbUa || earlier.ShuntMilliohms != g.ShuntMilliohms)
            {
                return "the ina219 at " + g.Address + " has another current_lsb_ua or shunt_milliohms in gauge " + earlier.Name;
            }
            if (earlier.Quantity == g.Quantity)
            {
                return "the ina219 at " + g.Address + " already gives " + g.Quantity + " to gauge " + earlier.Name;
            }
            return null;
        }
    }
}
