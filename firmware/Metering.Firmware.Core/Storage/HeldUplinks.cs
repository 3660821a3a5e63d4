using System;

namespace Commons.Metering.Firmware.Storage
{
    /// <summary>Uplinks built before the clock is set (README: "Before the clock is set"): the boot
    /// event, bookings and raised events wait here, in RAM, with the uptime they happened at, until
    /// the device can stamp them (ts = now - uptime elapsed since) and append them to the flash
    /// outbox. Fixed buffers (<see cref="Limits.HeldUplinks"/> x <see cref="OutboxRecord.MaxBytes"/>):
    /// holding and releasing allocate nothing. Not thread-safe: the device calls it under its lock.</summary>
    internal sealed class HeldUplinks
    {
        private readonly byte[][] _records = NewRecords();
        private readonly int[] _lengths = new int[Limits.HeldUplinks];
        private readonly byte[] _flags = new byte[Limits.HeldUplinks];
        private readonly long[] _uptimesMs = new long[Limits.HeldUplinks];
        private int _count;

        public int Count { get { return _count; } }

        public bool IsFull { get { return _count == Limits.HeldUplinks; } }

        /// <summary>Copies a built (unsealed) record; the caller checked <see cref="IsFull"/> first.</summary>
        public void Hold(byte[] record, int length, byte flags, long uptimeMs)
        {
            if (_count == Limits.HeldUplinks)
            {
                throw new InvalidOperationException("clock not set and the held uplinks are full");
            }
            Array.Copy(record, _records[_count], length);
            _lengths[_count] = length;
            _flags[_count] = flags;
            _uptimesMs[_count] = uptimeMs;
            _count++;
        }

        /// <summary>The record held at <paramref name="index"/> (oldest first); its bytes stay valid until <see cref="Clear"/>.</summary>
        public byte[] RecordAt(int index)
        {
            return _records[index];
        }

        public int LengthAt(int index)
        {
            return _lengths[index];
        }

        public byte FlagsAt(int index)
        {
            return _flags[index];
        }

        /// <summary>The uptime the record was built at.</summary>
        public long UptimeMsAt(int index)
        {
            return _uptimesMs[index];
        }

        /// <summary>Forgets every held record (they were appended to the outbox).</summary>
        public void Clear()
        {
            _count = 0;
        }

        private static byte[][] NewRecords()
        {
            byte[][] records = new byte[Limits.HeldUplinks][];
            for (int i = 0; i < records.Length; i++)
            {
                records[i] = new byte[OutboxRecord.MaxBytes];
            }
            return records;
        }
    }
}
