using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware
{
    /// <summary>Refill (docs/protocol.md, refill): a gateway restored from a backup asks the device to send
    /// again what its flash window still holds after the newest seq the restored ledger has. The records are
    /// appended to the outbox again, unchanged (same seq, ts and registers), a few per Tick, oldest seq
    /// first, while the outbox is at most half full; they then leave like any record, on confirmation.
    /// The command is acknowledged, and its cid remembered, only when the window holds nothing more: a
    /// power cut before that leaves the copies already appended (ordinary pending records) and no ack, so
    /// the gateway sends the command again and the device carries on; a record it appends twice is a
    /// duplicate the gateway confirms and ignores.</summary>
    public sealed partial class MeterDevice
    {
        // Under _sync.
        private readonly RefillCursor _refill = new RefillCursor();

        /// <summary>An eighth of a half kept free beside a refill's copies.</summary>
        private const int RefillMarginDivisor = 8;

        /// <summary>Records sent again by refills since boot.</summary>
        public int RefilledRecords
        {
            get
            {
                lock (_sync)
                {
                    return _refill.Copied;
                }
            }
        }

        /// <summary>True while a refill is copying records back into the outbox.</summary>
        public bool Refilling
        {
            get
            {
                lock (_sync)
                {
                    return _refill.Active;
                }
            }
        }

        /// <summary>Starts (or widens) the refill (<see cref="RefillCursor.Start"/>). When the copies
        /// would not fit in the active half, it is compacted first, keeping the
        /// newest window records above `after` (FlashOutbox.Window.cs): copying into a half that must compact
        /// half-way would drop the window's older part while its newer part still waits.</summary>
        private void StartRefill(string cid, long afterSeq)
        {
            lock (_sync)
            {
                _refill.Start(cid, afterSeq);
                _outbox.WindowFloorSeq = _refill.AfterSeq;
                // Room for the copies and the readings and acks of the minutes the refill takes.
                if (_outbox.WindowBytesAbove(_refill.AfterSeq) + _outbox.UsableBytes / RefillMarginDivisor > _outbox.FreeBytes)
                {
                    Persist(_seq.ReservedThrough); // a compaction drops removed records: totals first
                    _outbox.Compact();
                }
            }
        }

        /// <summary>Copies up to <see cref="Limits.RefillPerTick"/> window records back into the outbox;
        /// acknowledges the refill once the window holds nothing above the cursor.</summary>
        private void RefillStep(long unix)
        {
            string done = null;
            lock (_sync)
            {
                if (!_refill.Active)
                {
                    return;
                }
                for (int n = 0; n < Limits.RefillPerTick; n++)
                {
                    if (_outbox.Count * 2 >= _outbox.Capacity)
                    {
                        return; // wait until confirmations make room: a refill never thins what is pending
                    }
                    byte flags;
                    int length = _outbox.NextWindowRecord(_refill.AfterSeq, _record, out flags);
                    if (length == 0)
                    {
                        done = _refill.Finish();
                        _outbox.WindowFloorSeq = 0;
                        _executed.Remember(done, AckReason.None);
                        Persist(_seq.ReservedThrough);
                        break;
                    }
                    MakeRoom(length);
                    _outbox.Append(_record, length, flags);
                    _refill.Advance(OutboxRecord.Seq(_record));
                    _outbox.WindowFloorSeq = _refill.AfterSeq;
                }
            }
            if (done != null)
            {
                Acknowledge(done, AckReason.None, unix);
            }
        }
    }
}
