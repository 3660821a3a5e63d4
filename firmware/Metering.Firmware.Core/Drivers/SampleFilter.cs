namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>A fixed-size window of samples with a median and a trimmed mean, for noisy ADC
    /// readings (HX711: a wind gust, a bump or a misread bit shows up as one outlier). Allocates
    /// only in the constructor.</summary>
    public sealed class SampleFilter
    {
        private readonly long[] _samples;
        private readonly long[] _sorted;
        private int _count;

        public SampleFilter(int capacity)
        {
            if (capacity < 1)
            {
                throw new System.ArgumentException("capacity must be at least 1");
            }
            _samples = new long[capacity];
            _sorted = new long[capacity];
        }

        public int Count { get { return _count; } }

        public int Capacity { get { return _samples.Length; } }

        public bool IsFull { get { return _count == _samples.Length; } }

        public void Clear()
        {
            _count = 0;
        }

        /// <summary>Adds a sample; once full, the oldest is dropped.</summary>
        public void Add(long sample)
        {
            if (_count == _samples.Length)
            {
                for (int i = 1; i < _count; i++)
                {
                    _samples[i - 1] = _samples[i];
                }
                _count--;
            }
            _samples[_count++] = sample;
        }

        /// <summary>The middle sample (the lower middle for an even count); false when empty.</summary>
        public bool TryMedian(out long median)
        {
            median = 0;
            if (_count == 0)
            {
                return false;
            }
            Sort();
            median = _sorted[(_count - 1) / 2];
            return true;
        }

        /// <summary>Mean of the samples left after dropping <paramref name="trimEachEnd"/> of the
        /// smallest and of the largest, rounded half away from zero; false when none is left.</summary>
        public bool TryTrimmedMean(int trimEachEnd, out long mean)
        {
            mean = 0;
            int kept = _count - 2 * trimEachEnd;
            if (trimEachEnd < 0 || kept <= 0)
            {
                return false;
            }
            Sort();
            long sum = 0;
            for (int i = trimEachEnd; i < trimEachEnd + kept; i++)
            {
                sum += _sorted[i];
            }
            mean = DivideRounded(sum, kept);
            return true;
        }

        /// <summary>Rounded half away from zero (no System.Math on the device).</summary>
        private static long DivideRounded(long numerator, long denominator)
        {
            bool negative = numerator < 0;
            long n = negative ? -numerator : numerator;
            long q = (n + denominator / 2) / denominator;
            return negative ? -q : q;
        }

        private void Sort()
        {
            for (int i = 0; i < _count; i++)
            {
                long value = _samples[i];
                int j = i - 1;
                while (j >= 0 && _sorted[j] > value)
                {
                    _sorted[j + 1] = _sorted[j];
                    j--;
                }
                _sorted[j + 1] = value;
            }
        }
    }
}
