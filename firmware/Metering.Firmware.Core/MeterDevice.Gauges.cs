using System;
using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware
{
    /// <summary>Gauges (docs/protocol.md, gauge): instantaneous quantities summarised once per
    /// reading interval into one gauge record that goes through the outbox and the confirmation like
    /// a reading, taking its seq from the meter's shared sequence.</summary>
    public sealed partial class MeterDevice
    {
        private readonly GaugeChannel[] _gauges = new GaugeChannel[Limits.MaxGauges];
        private int _gaugeCount;

        /// <param name="name">`^[a-z0-9][a-z0-9_]{0,31}$`, unique among the gauges.</param>
        /// <param name="quantity">level_mm, pressure_pa, voltage_mv, current_ma, power_w, charge_pct or temperature_mdegc.</param>
        /// <param name="sensor">a02yyuw, ads1115, ina219, pzem or sim: the gateway checks the value against its physical range.</param>
        public GaugeChannel AddGauge(string name, string quantity, string sensor)
        {
            if (!Ascii.IsChannelName(name))
            {
                throw new ArgumentException("gauge names match ^[a-z0-9][a-z0-9_]{0,31}$", "name");
            }
            int q = Words.IndexOf(GaugeWords.Quantities, quantity);
            if (q < 1)
            {
                throw new ArgumentException("unknown gauge quantity (docs/protocol.md, gauge)", "quantity");
            }
            int s = Words.IndexOf(GaugeWords.Sensors, sensor);
            if (s < 1)
            {
                throw new ArgumentException("unknown gauge sensor (docs/protocol.md, gauge)", "sensor");
            }
            lock (_sync)
            {
                if (_started)
                {
                    throw new InvalidOperationException("add gauges before Start");
                }
                if (_gaugeCount == Limits.MaxGauges)
                {
                    throw new InvalidOperationException("at most 8 gauges per device (docs/protocol.md, gauge)");
                }
                for (int i = 0; i < _gaugeCount; i++)
                {
                    if (_gauges[i].Name == name)
                    {
                        throw new ArgumentException("a gauge of that name exists", "name");
                    }
                }
                GaugeChannel gauge = new GaugeChannel(name, q, s, _sync);
                _gauges[_gaugeCount++] = gauge;
                return gauge;
            }
        }

        /// <summary>Under the lock, after a reading: one gauge record with every gauge sampled in the
        /// interval; none when no gauge was sampled (a silent sensor sends nothing).</summary>
        private void TakeGauges(long unix)
        {
            if (_gaugeCount == 0)
            {
                return;
            }
            OutboxRecord.BeginGauge(_record);
            int written = 0;
            for (int i = 0; i < _gaugeCount; i++)
            {
                if (_gauges[i].TakeSummary(_record, written))
                {
                    written++;
                }
            }
            if (written > 0)
            {
                Enqueue(_record, OutboxRecord.GaugeLength(written), FlashOutbox.FlagGauge, unix);
            }
        }

        /// <summary>Renders a gauge record; entries of gauges no longer configured are left out, and a
        /// record with none left is not published (null).</summary>
        private string RenderGauge(byte[] r, long seq, long ts)
        {
            GaugeEncoder.Begin(_json, seq, ts);
            int written = 0;
            int n = OutboxRecord.GaugeCount(r);
            for (int k = 0; k < n; k++)
            {
                uint hash = OutboxRecord.GaugeHash(r, k);
                for (int g = 0; g < _gaugeCount; g++)
                {
                    if (_gauges[g].Hash == hash)
                    {
                        GaugeEncoder.Gauge(_json, written++, _gauges[g].NameBytes, OutboxRecord.GaugeQuantity(r, k),
                            OutboxRecord.GaugeSensor(r, k), OutboxRecord.GaugeValue(r, k, 1), OutboxRecord.GaugeValue(r, k, 2),
                            OutboxRecord.GaugeValue(r, k, 3), OutboxRecord.GaugeValue(r, k, 4), OutboxRecord.GaugeValue(r, k, 0));
                        break;
                    }
                }
            }
            if (written == 0)
            {
                return null;
            }
            GaugeEncoder.End(_json);
            return _topics.Gauge;
        }
    }
}
