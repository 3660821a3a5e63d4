using System;

namespace Commons.Metering.Firmware
{
    /// <summary>An instantaneous quantity (a tank level, a pressure, a battery voltage) sampled by
    /// the board as often as it likes; each reading interval the device sends the last value and the
    /// min, max and mean of the samples since the previous gauge uplink (docs/protocol.md, gauge). A
    /// gauge with no sample in an interval sends nothing: silence is how the gateway learns the
    /// sensor is gone (its stale rule), never a repeated old value. No register, no usage.</summary>
    public sealed class GaugeChannel
    {
        internal readonly string Name;
        internal readonly byte[] NameBytes;
        internal readonly int Quantity;
        internal readonly int Sensor;
        internal readonly uint Hash;
        private readonly object _sync;

        private int _samples;
        private int _last;
        private int _min;
        private int _max;
        private long _sum;
        private long _failures;

        internal GaugeChannel(string name, int quantity, int sensor, object sync)
        {
            Name = name;
            NameBytes = Ascii.Bytes(name);
            Quantity = quantity;
            Sensor = sensor;
            // The same FNV-1a as channels, over the name and the quantity: a renamed or re-purposed
            // gauge does not render an old record under a new meaning.
            Hash = DeviceChannelState.HashOf(name, Protocol.GaugeWords.Quantities[quantity]);
            _sync = sync;
        }

        /// <summary>One measurement in the quantity's base unit. Allocation-free.</summary>
        public void Sample(int value)
        {
            lock (_sync)
            {
                if (_samples == 0 || value < _min)
                {
                    _min = value;
                }
                if (_samples == 0 || value > _max)
                {
                    _max = value;
                }
                _last = value;
                _sum += value;
                _samples++;
            }
        }

        /// <summary>A read that produced no value (no frame, a fault signal): counted for the logs, and
        /// it leaves the interval's samples as they are.</summary>
        public void SampleFailed()
        {
            lock (_sync)
            {
                _failures++;
            }
        }

        public long Failures { get { lock (_sync) { return _failures; } } }

        /// <summary>Samples taken since the last gauge uplink.</summary>
        public int PendingSamples { get { lock (_sync) { return _samples; } } }

        /// <summary>Under the device lock: writes the interval's summary into the record and starts a
        /// new interval; false (and nothing written) when there was no sample.</summary>
        internal bool TakeSummary(byte[] record, int position)
        {
            if (_samples == 0)
            {
                return false;
            }
            // Mean rounded half away from zero: integers only on the wire.
            long mean = _sum >= 0 ? (_sum + _samples / 2) / _samples : (_sum - _samples / 2) / _samples;
            Storage.OutboxRecord.SetGauge(record, position, Hash, Quantity, Sensor, _samples, _last, _min, _max, (int)mean);
            _samples = 0;
            _sum = 0;
            return true;
        }
    }
}
