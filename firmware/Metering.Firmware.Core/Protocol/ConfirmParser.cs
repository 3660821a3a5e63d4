namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>Parses a confirmation (docs/protocol.md, confirmation): <c>{"v":1,"seqs":[first,last,...]}</c>,
    /// up to <see cref="Limits.MaxConfirmRanges"/> inclusive ranges, first &gt;= 1, first &lt;= last,
    /// ascending and not overlapping. Returns a <see cref="AckReason"/> code: anything malformed is
    /// `bad_field`, a `"v"` other than 1 `unsupported_version`; the device ignores a refused one (it is
    /// only a hint: unconfirmed records are sent again). Unknown fields are skipped. Allocation-free.</summary>
    internal sealed class ConfirmParser : IJsonFields
    {
        private const int KeyCapacity = 8;

        private readonly JsonCursor _cursor = new JsonCursor();
        private readonly char[] _key = new char[KeyCapacity];
        private readonly long[] _seqs = new long[Limits.MaxConfirmRanges * 2];
        private int _seqCount;
        private bool _hasVersion, _hasSeqs, _bad;
        private long _version;

        /// <summary>Ranges of the last successful parse.</summary>
        public int RangeCount { get { return _seqCount / 2; } }

        public long First(int range) { return _seqs[range * 2]; }

        public long Last(int range) { return _seqs[range * 2 + 1]; }

        public byte Parse(byte[] payload, int count)
        {
            _seqCount = 0;
            _hasVersion = _hasSeqs = _bad = false;
            _version = 0;
            if (count > Limits.MaxPayloadBytes || !_cursor.ReadObject(payload, count, _key, this) || !_hasVersion)
            {
                _seqCount = 0;
                return AckReason.BadField;
            }
            if (_version != 1)
            {
                _seqCount = 0;
                return AckReason.UnsupportedVersion;
            }
            if (_bad || !_hasSeqs || !RangesValid())
            {
                _seqCount = 0;
                return AckReason.BadField;
            }
            return AckReason.None;
        }

        private bool RangesValid()
        {
            if (_seqCount % 2 != 0)
            {
                return false;
            }
            long previousLast = 0;
            for (int i = 0; i < _seqCount; i += 2)
            {
                long first = _seqs[i];
                long last = _seqs[i + 1];
                if (first < 1 || first > last || first <= previousLast)
                {
                    return false;
                }
                previousLast = last;
            }
            return true;
        }

        bool IJsonFields.ReadField(int keyLength)
        {
            JsonCursor j = _cursor;
            if (Ascii.KeyIs(_key, keyLength, "v"))
            {
                _hasVersion = j.ReadInt64(out _version) == JsonCursor.NumberOk;
                return _hasVersion || j.SkipValue(0);
            }
            if (!Ascii.KeyIs(_key, keyLength, "seqs"))
            {
                return j.SkipValue(0);
            }
            if (!j.Consume('['))
            {
                _bad = true;
                return j.SkipValue(0);
            }
            _hasSeqs = true;
            if (j.Consume(']'))
            {
                return true;
            }
            while (true)
            {
                long value;
                if (j.Peek() != '-' && (j.Peek() < '0' || j.Peek() > '9'))
                {
                    // Not a number: refuse the whole confirmation, but read on so the JSON stays checked.
                    _bad = true;
                    if (!j.SkipValue(1))
                    {
                        return false;
                    }
                }
                else if (j.ReadInt64(out value) != JsonCursor.NumberOk || _seqCount == _seqs.Length)
                {
                    _bad = true;
                }
                else
                {
                    _seqs[_seqCount++] = value;
                }
                if (j.Consume(']'))
                {
                    return true;
                }
                if (!j.Consume(','))
                {
                    return false;
                }
            }
        }
    }
}
