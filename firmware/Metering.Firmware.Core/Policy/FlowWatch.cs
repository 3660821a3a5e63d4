using Commons.Metering.Firmware.Protocol;

namespace Commons.Metering.Firmware
{
    /// <summary>Leak and burst detection on one channel's register (docs/protocol.md, safety):
    /// a leak is flow without a pause of <see cref="QuietMs"/> for leak_s seconds; a burst is a
    /// rise of more than burst_per_min units within a minute. Works on uptime, from whatever
    /// register samples the Tick loop sees, so a coarse or irregular tick only delays a trip.
    /// Allocation-free after construction.</summary>
    internal sealed class FlowWatch
    {
        /// <summary>A minute without a rise ends a flow. Our choice: a dripping tap (1 L/h) through
        /// a YF-S201 (450 pulses/L) pulses every 8 s, a reed meter at 1 L/pulse only hourly, so a
        /// slow leak on a coarse meter is not seen as continuous; the leak threshold is what matters.</summary>
        public const long QuietMs = 60000;

        /// <summary>The burst window: one minute, sampled every 10 s (6 samples).</summary>
        private const long WindowMs = 60000;
        private const long SampleEveryMs = 10000;
        private const int Samples = 6;

        private readonly long[] _sampleRegister = new long[Samples];
        private readonly long[] _sampleUp = new long[Samples];
        private int _sampleCount;
        private int _sampleNext;

        private bool _seen;
        private long _lastRegister;
        private bool _flowing;
        private long _flowStartUp;
        private long _lastRiseUp;

        /// <summary>Length of the flow that tripped a leak, ms.</summary>
        public long FlowMs;

        /// <summary>The rise per minute that tripped a burst.</summary>
        public long RatePerMin;

        /// <summary>Forgets all history (after a reset or a register that went down).</summary>
        public void Clear()
        {
            _seen = false;
            _flowing = false;
            _sampleCount = 0;
            _sampleNext = 0;
        }

        /// <summary>One look at the register; returns 0, or the event kind code of leak (2) or
        /// burst (3) when a threshold (&gt; 0) is crossed.</summary>
        public int Step(long register, long up, int leakS, long burstPerMin)
        {
            if (!_seen || register < _lastRegister)
            {
                Clear();
                _seen = true;
                _lastRegister = register;
                Sample(register, up);
                return 0;
            }
            if (register > _lastRegister)
            {
                if (!_flowing)
                {
                    _flowing = true;
                    _flowStartUp = up; // it began after the last look: never claim more than seen
                }
                _lastRiseUp = up;
            }
            else if (_flowing && up - _lastRiseUp >= QuietMs)
            {
                _flowing = false;
            }
            _lastRegister = register;
            if (up - _sampleUp[Newest()] >= SampleEveryMs)
            {
                Sample(register, up);
            }
            if (leakS > 0 && _flowing && up - _flowStartUp >= leakS * 1000L)
            {
                FlowMs = up - _flowStartUp;
                return EventKind.Leak;
            }
            if (burstPerMin > 0)
            {
                int k = Reference(up);
                long rise = register - _sampleRegister[k];
                long span = up - _sampleUp[k];
                // Less than a minute: the rise itself; longer (coarse ticks): the mean per minute.
                long rate = span <= WindowMs ? rise : (rise > 100000000000000L ? rise / span * WindowMs : rise * WindowMs / span);
                if (rate > burstPerMin)
                {
                    RatePerMin = rate;
                    return EventKind.Burst;
                }
            }
            return 0;
        }

        private void Sample(long register, long up)
        {
            _sampleRegister[_sampleNext] = register;
            _sampleUp[_sampleNext] = up;
            _sampleNext = (_sampleNext + 1) % Samples;
            if (_sampleCount < Samples)
            {
                _sampleCount++;
            }
        }

        private int Newest()
        {
            return (_sampleNext + Samples - 1) % Samples;
        }

        /// <summary>The newest sample at least a minute old, else the oldest one kept.</summary>
        private int Reference(long up)
        {
            int oldest = (_sampleNext + Samples - _sampleCount) % Samples;
            for (int n = 0; n < _sampleCount; n++)
            {
                int k = (_sampleNext + Samples - 1 - n) % Samples;
                if (up - _sampleUp[k] >= WindowMs)
                {
                    return k;
                }
            }
            return oldest;
        }
    }
}
