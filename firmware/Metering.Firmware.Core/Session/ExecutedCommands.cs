using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware.Session
{
    /// <summary>The command ids the device executed, with the result each was acknowledged with:
    /// the at-most-once memory of docs/protocol.md ("command"). A redelivered cid is answered with
    /// the remembered result instead of running again. The last <see cref="Limits.RememberedCids"/>
    /// are kept, oldest first, and travel in the totals record (totals-ring.md), so the memory
    /// survives a power cut; the device writes that record before the command takes effect.
    /// Not thread-safe: the device calls it under its lock.</summary>
    internal sealed class ExecutedCommands
    {
        private readonly string[] _cids = new string[Limits.RememberedCids];
        private readonly byte[] _results = new byte[Limits.RememberedCids];
        private int _count;

        public int Count { get { return _count; } }

        /// <summary>The position of <paramref name="cid"/>, or -1 when it is not remembered.</summary>
        public int IndexOf(string cid)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_cids[i] == cid)
                {
                    return i;
                }
            }
            return -1;
        }

        /// <summary>The ack reason remembered at <paramref name="index"/> (an <see cref="Protocol.AckReason"/> code).</summary>
        public byte ResultAt(int index)
        {
            return _results[index];
        }

        /// <summary>Replaces the result of a remembered cid (the command ran and failed).</summary>
        public void SetResult(int index, byte result)
        {
            _results[index] = result;
        }

        /// <summary>Remembers a cid, forgetting the oldest when full.</summary>
        public void Remember(string cid, byte result)
        {
            if (_count == _cids.Length)
            {
                for (int i = 1; i < _count; i++)
                {
                    _cids[i - 1] = _cids[i];
                    _results[i - 1] = _results[i];
                }
                _count--;
            }
            _cids[_count] = cid;
            _results[_count] = result;
            _count++;
        }

        /// <summary>Copies the memory into the totals state about to be written.</summary>
        public void SaveTo(TotalsState totals)
        {
            totals.CidCount = _count;
            for (int i = 0; i < _count; i++)
            {
                totals.Cids[i] = _cids[i];
                totals.CidResults[i] = _results[i];
            }
        }

        /// <summary>At start: the memory of the recovered totals record, or none.</summary>
        public void RestoreFrom(TotalsState totals)
        {
            _count = 0;
            if (totals == null)
            {
                return;
            }
            for (int i = 0; i < totals.CidCount; i++)
            {
                Remember(totals.Cids[i], totals.CidResults[i]);
            }
        }
    }
}
