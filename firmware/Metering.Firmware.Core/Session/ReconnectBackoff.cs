using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Session
{
    /// <summary>Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential
    /// Backoff And Jitter", 2015): the ceiling doubles per failed attempt from the minimum up to
    /// the maximum, and the delay is drawn uniformly from [ceiling/2, ceiling], so devices that
    /// lost the broker together do not return together, yet none retries in a tight loop.</summary>
    internal sealed class ReconnectBackoff
    {
        private readonly int _minMs;
        private readonly int _maxMs;
        private readonly IRandom _random;

        public ReconnectBackoff(int minMs, int maxMs, IRandom random)
        {
            _minMs = minMs;
            _maxMs = maxMs;
            _random = random;
        }

        /// <summary>The ceiling for attempt <paramref name="attempt"/> (0 = first retry).</summary>
        public int CeilingMs(int attempt)
        {
            long ceiling = _minMs;
            for (int i = 0; i < attempt && ceiling < _maxMs; i++)
            {
                ceiling *= 2;
            }
            return ceiling > _maxMs ? _maxMs : (int)ceiling;
        }

        public int DelayMs(int attempt)
        {
            int ceiling = CeilingMs(attempt);
            int half = ceiling / 2;
            return half + _random.Next(ceiling - half + 1);
        }
    }
}
