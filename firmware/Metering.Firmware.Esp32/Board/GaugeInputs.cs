using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>The configuration's gauges (`gauges[]`) on their sensors: each is added to the core
    /// and sampled every <see cref="PollMs"/>; a failed read is counted, never a made-up value, so a
    /// dead sensor reaches the gateway as silence (its stale rule). An INA219 or a PZEM giving several
    /// gauges is read once per round.</summary>
    internal sealed class GaugeInputs
    {
        /// <summary>Six samples in the default 60 s reading interval give the summary's min, max and
        /// mean something to say; every read here takes well under a second (A02YYUW: a frame per
        /// 100 ms; ADS1115 at 128 SPS: 8 ms; INA219: a few register reads; PZEM: 26 ms at 9600 baud).</summary>
        public const int PollMs = 10000;

        private readonly GaugeSpec[] _specs;
        private readonly GaugeChannel[] _channels;
        private readonly PressureGauge[] _adcs;
        private readonly PowerMonitor[] _monitors;
        private readonly bool[] _monitorOk;
        private readonly int _count;
        private TankLevelSensor _tank;
        private PzemMeter _pzem;
        private long _nextPollMs;

        /// <param name="pzem">the register channel's PZEM, if the board has one: pzem gauges share it.</param>
        public GaugeInputs(MeterDevice device, DeviceSetup s, PzemMeter pzem)
        {
            _count = s.GaugeCount;
            _specs = new GaugeSpec[_count];
            _channels = new GaugeChannel[_count];
            _adcs = new PressureGauge[_count];
            _monitors = new PowerMonitor[_count];
            _monitorOk = new bool[_count];
            _pzem = pzem;
            bool i2cRouted = false;
            for (int i = 0; i < _count; i++)
            {
                GaugeSpec g = s.Gauges[i];
                _specs[i] = g;
                _channels[i] = device.AddGauge(g.Name, g.Quantity, g.Sensor);
                if (g.OnI2c && !i2cRouted)
                {
                    I2cBus.Route(s.GpioOf("i2c_sda"), s.GpioOf("i2c_scl"));
                    i2cRouted = true;
                }
                if (g.Sensor == GaugeSpec.SensorA02yyuw)
                {
                    _tank = new TankLevelSensor(s.GpioOf("level_rx"), s.GpioOf("level_tx"), g.SensorToFloorMm);
                }
                else if (g.Sensor == GaugeSpec.SensorAds1115)
                {
                    _adcs[i] = new PressureGauge(g.Address, new AnalogTransducer(g.ZeroUv, g.FullUv, g.FullScale));
                }
                else if (g.Sensor == GaugeSpec.SensorIna219)
                {
                    _monitors[i] = MonitorAt(g.Address, i);
                    if (_monitors[i] == null)
                    {
                        _monitors[i] = new PowerMonitor(g.Address, g.CurrentLsbUa, g.ShuntMilliohms);
                    }
                }
                else if (_pzem == null)
                {
                    // A feeder node with no energy register: the PZEM only for its gauges.
                    _pzem = new PzemMeter(s.GpioOf("pzem_rx"), s.GpioOf("pzem_tx"), s.PzemAddress, null);
                }
            }
        }

        public int Count { get { return _count; } }

        /// <summary>From the main loop: one round of reads when it is due.</summary>
        public void Poll(long nowMs)
        {
            if (_count == 0 || nowMs < _nextPollMs)
            {
                return;
            }
            _nextPollMs = nowMs + PollMs;
            bool pzemOk = false;
            bool pzemRead = false;
            for (int i = 0; i < _count; i++)
            {
                _monitorOk[i] = _monitors[i] != null && MonitorAt(_specs[i].Address, i) == null && _monitors[i].Poll();
            }
            for (int i = 0; i < _count; i++)
            {
                GaugeSpec g = _specs[i];
                int value = 0;
                bool ok;
                if (g.Sensor == GaugeSpec.SensorA02yyuw)
                {
                    ok = _tank.TryReadLevelMm(out value);
                }
                else if (g.Sensor == GaugeSpec.SensorAds1115)
                {
                    ok = _adcs[i].TryRead(out value);
                }
                else if (g.Sensor == GaugeSpec.SensorIna219)
                {
                    int first = FirstOfMonitor(i);
                    ok = _monitorOk[first] && GaugeValues.FromIna219(_monitors[first].Last, g.Quantity, out value);
                }
                else
                {
                    if (!pzemRead)
                    {
                        pzemOk = _pzem.Poll();
                        pzemRead = true;
                    }
                    ok = pzemOk && GaugeValues.FromPzem(_pzem.Last, g.Quantity, out value);
                }
                if (ok)
                {
                    _channels[i].Sample(value);
                }
                else
                {
                    _channels[i].SampleFailed();
                }
            }
        }

        /// <summary>The monitor an earlier gauge opened at this address, or null.</summary>
        private PowerMonitor MonitorAt(int address, int before)
        {
            for (int j = 0; j < before; j++)
            {
                if (_monitors[j] != null && _specs[j].Address == address)
                {
                    return _monitors[j];
                }
            }
            return null;
        }

        /// <summary>The first gauge that reads the same INA219 as gauge i (it holds the round's result).</summary>
        private int FirstOfMonitor(int i)
        {
            for (int j = 0; j < i; j++)
            {
                if (_monitors[j] == _monitors[i])
                {
                    return j;
                }
            }
            return i;
        }
    }
}
