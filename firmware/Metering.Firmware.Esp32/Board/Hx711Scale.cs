using System.Device.Gpio;
using System.Threading;
using Commons.Metering.Firmware.Drivers;
using nanoFramework.Hardware.Esp32;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>The HX711 bit-banged on two GPIOs; the conversion, filter and calibration are the
    /// core's (Drivers/Hx711.cs, SampleFilter, LoadCellCalibration). PD_SCK high for more than 60 us
    /// powers the chip down, and a garbage collection between two GPIO writes can last longer: every
    /// pulse is timed (HighResTimer, microseconds) from before its rising edge to after its falling
    /// edge, and a conversion with a pulse over the datasheet's 50 us is discarded
    /// (Hx711.PulseWithinLimit), so a stretched clock costs a sample, never a wrong weight.</summary>
    internal sealed class Hx711Scale
    {
        /// <summary>Channel A, gain 128: the full-scale input of +-20 mV suits a load cell at 5 V or
        /// 3.3 V excitation (HX711 datasheet, input selection table).</summary>
        private const int Gain = 128;

        /// <summary>DOUT falls when a conversion is ready: every 100 ms at 10 SPS (RATE pin low).
        /// Three conversion times without one means the HX711 is unpowered or not wired.</summary>
        private const int ReadyTimeoutMs = 300;

        private const int ReadyPollMs = 5;

        private readonly GpioPin _dout;
        private readonly GpioPin _sck;
        private readonly SampleFilter _filter;
        private readonly LoadCellCalibration _calibration;
        private readonly int _pulses = Hx711.PulsesPerRead(Gain);
        private readonly Watchdog _watchdog;
        private long _longestPulseUs;

        /// <summary>Conversions discarded because a PD_SCK pulse may have exceeded the limit.</summary>
        public int StretchedReads { get; private set; }

        /// <summary>The longest PD_SCK pulse bound measured so far, in microseconds: the figure this
        /// board's GPIO writes reach (logged when a read is discarded).</summary>
        public long LongestPulseUs { get { return _longestPulseUs; } }

        /// <param name="watchdog">Fed after every conversion of a weighing: up to 64 samples at 10 SPS
        /// (6.4 s, or 19 s with the HX711 unplugged) would otherwise trip a 5 s watchdog while
        /// the loop is making progress.</param>
        public Hx711Scale(GpioController gpio, int doutGpio, int sckGpio, LoadCellCalibration calibration, int samples, Watchdog watchdog)
        {
            _watchdog = watchdog;
            _dout = gpio.OpenPin(doutGpio, PinMode.Input);
            _sck = gpio.OpenPin(sckGpio, PinMode.Output);
            _sck.Write(PinValue.Low); // PD_SCK high for more than 60 us powers the HX711 down
            _calibration = calibration;
            _filter = new SampleFilter(samples);
        }

        /// <summary>One conversion in counts; false on timeout or saturation.</summary>
        public bool TryReadCounts(out int counts)
        {
            counts = 0;
            int waitedMs = 0;
            while (_dout.Read() == PinValue.High)
            {
                if (waitedMs >= ReadyTimeoutMs)
                {
                    return false;
                }
                Thread.Sleep(ReadyPollMs);
                waitedMs += ReadyPollMs;
            }
            int raw = 0;
            bool stretched = false;
            long longestUs = 0;
            for (int i = 0; i < _pulses; i++)
            {
                // Datasheet timing: PD_SCK high 0.2-50 us (T3); DOUT is shifted out on the rising
                // edge, valid 0.1 us later (T2), and holds until the next rising edge. So DOUT is
                // read after the falling edge: the clock stays high for one GPIO call, not three.
                long beforeRiseUs = (long)HighResTimer.GetCurrent();
                _sck.Write(PinValue.High);
                _sck.Write(PinValue.Low);
                long afterFallUs = (long)HighResTimer.GetCurrent();
                if (i < Hx711.DataBits)
                {
                    raw = (raw << 1) | (_dout.Read() == PinValue.High ? 1 : 0);
                }
                if (!Hx711.PulseWithinLimit(beforeRiseUs, afterFallUs))
                {
                    stretched = true;
                }
                if (afterFallUs - beforeRiseUs > longestUs)
                {
                    longestUs = afterFallUs - beforeRiseUs;
                }
            }
            if (longestUs > _longestPulseUs)
            {
                _longestPulseUs = longestUs;
            }
            if (stretched)
            {
                // The chip may have powered down mid-read; it powers up again on PD_SCK low and the
                // next conversion waits for DOUT as usual.
                StretchedReads++;
                BoardLog.Line("hx711: PD_SCK held " + longestUs.ToString() + " us (limit " + Hx711.MaxHighUs.ToString() + "), conversion discarded");
                return false;
            }
            counts = Hx711.ToCounts(raw);
            return !Hx711.IsSaturated(counts);
        }

        /// <summary>Median of the configured number of conversions, in grams. False when fewer than
        /// half of them succeeded or the scale is not calibrated.</summary>
        public bool TryWeigh(out long grams)
        {
            grams = 0;
            _filter.Clear();
            for (int i = 0; i < _filter.Capacity; i++)
            {
                int counts;
                if (TryReadCounts(out counts))
                {
                    _filter.Add(counts);
                }
                _watchdog.Feed(); // one conversion is bounded: ReadyTimeoutMs plus 25 pulses
            }
            long median;
            if (_filter.Count * 2 < _filter.Capacity || !_filter.TryMedian(out median))
            {
                return false;
            }
            return _calibration.TryGrams((int)median, out grams);
        }
    }
}
