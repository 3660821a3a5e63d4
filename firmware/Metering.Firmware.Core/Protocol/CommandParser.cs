namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>Parses and validates a downlink command (docs/protocol.md, command). Returns a
    /// <see cref="AckReason"/> code: a malformed or incomplete command is `bad_field`, a `"v"`
    /// other than 1 is `unsupported_version`, an unknown `op` is `unknown_op`. Expiry needs the
    /// clock and is checked by the caller.</summary>
    internal sealed class CommandParser : IJsonFields
    {
        private const int KeyCapacity = 16;
        private const int StringCapacity = 32;

        private readonly JsonCursor _cursor = new JsonCursor();
        private readonly char[] _key = new char[KeyCapacity];

        /// <summary>The command being filled, for the field reader, during <see cref="Parse"/> only.</summary>
        private Command _into;
        private readonly char[] _value = new char[StringCapacity];

        // What was seen, and whether a known field had the wrong type or shape.
        private bool _hasVersion, _hasExpiry, _hasLimit, _hasPeriod, _hasStage, _hasState, _fieldBad;
        private bool _hasStart, _hasUsed, _hasLeak, _hasBurst, _hasAfter;
        private long _version;
        private long _stage;
        private long _leakS;
        private string _op;
        private string _class;
        private string _curtail;

        public byte Parse(byte[] payload, int count, Command into)
        {
            into.Clear();
            _hasVersion = _hasExpiry = _hasLimit = _hasPeriod = _hasStage = _hasState = _fieldBad = false;
            _hasStart = _hasUsed = _hasLeak = _hasBurst = _hasAfter = false;
            _version = 0;
            _stage = 0;
            _leakS = 0;
            _op = null;
            _class = null;
            _curtail = null;
            _into = into;
            bool read = count <= Limits.MaxPayloadBytes && _cursor.ReadObject(payload, count, _key, this);
            _into = null;
            if (!read)
            {
                return AckReason.BadField;
            }
            if (!_hasVersion)
            {
                return AckReason.BadField;
            }
            if (_version != 1)
            {
                return AckReason.UnsupportedVersion;
            }
            if (into.Cid == null || !_hasExpiry || _op == null)
            {
                return AckReason.BadField;
            }
            into.Op = Words.IndexOf(CommandOp.Names, _op);
            if (into.Op <= CommandOp.None)
            {
                into.Op = CommandOp.None;
                return AckReason.UnknownOp;
            }
            return _fieldBad || !OpFieldsValid(into) ? AckReason.BadField : AckReason.None;
        }

        private bool OpFieldsValid(Command c)
        {
            switch (c.Op)
            {
                case CommandOp.Allowance:
                    if (_class != null)
                    {
                        c.UseClass = Words.IndexOf(UseClass.Names, _class);
                        if (c.UseClass < UseClass.Essential || c.UseClass > UseClass.Discretionary)
                        {
                            return false;
                        }
                    }
                    return Ascii.IsChannelName(c.Channel) && _hasLimit && c.Limit >= 0 && _hasPeriod && c.PeriodS > 0
                        && c.StartUnixMs >= 0 && c.Used >= 0;
                case CommandOp.Stage:
                    // OpenADR SIMPLE levels 0-3 (docs/protocol.md, command: `stage` 0-3).
                    if (!_hasStage || _stage < 0 || _stage > 3)
                    {
                        return false;
                    }
                    c.Stage = (int)_stage;
                    if (_curtail == null)
                    {
                        return true;
                    }
                    // `curtail`: none, discretionary or standard; never essential.
                    c.Curtail = Words.IndexOf(UseClass.Names, _curtail);
                    return c.Curtail >= UseClass.Standard;
                case CommandOp.Safety:
                    // leak_s is kept in 32 bits on the device (68 years).
                    if (!_hasLeak || _leakS < 0 || _leakS > 2147483647 || !_hasBurst || c.BurstPerMin < 0)
                    {
                        return false;
                    }
                    c.LeakS = (int)_leakS;
                    return Ascii.IsChannelName(c.Channel);
                case CommandOp.Reset:
                    return Ascii.IsChannelName(c.Channel);
                case CommandOp.Refill:
                    return _hasAfter && c.AfterSeq >= 0;
                case CommandOp.Valve:
                case CommandOp.Relay:
                    return Ascii.IsChannelName(c.Channel) && _hasState;
                default:
                    return true; // ping carries nothing
            }
        }

        /// <summary>Reads the value of one field; false only when the JSON itself is malformed.</summary>
        bool IJsonFields.ReadField(int keyLength)
        {
            Command into = _into;
            if (KeyIs("v", keyLength)) { return ReadNumber(out _version, ref _hasVersion); }
            if (KeyIs("exp", keyLength)) { return ReadNumber(out into.ExpiresUnixMs, ref _hasExpiry); }
            if (KeyIs("limit", keyLength)) { return ReadNumber(out into.Limit, ref _hasLimit); }
            if (KeyIs("period_s", keyLength)) { return ReadNumber(out into.PeriodS, ref _hasPeriod); }
            if (KeyIs("stage", keyLength)) { return ReadNumber(out _stage, ref _hasStage); }
            if (KeyIs("start", keyLength)) { return ReadNumber(out into.StartUnixMs, ref _hasStart); }
            if (KeyIs("used", keyLength)) { return ReadNumber(out into.Used, ref _hasUsed); }
            if (KeyIs("leak_s", keyLength)) { return ReadNumber(out _leakS, ref _hasLeak); }
            if (KeyIs("burst_per_min", keyLength)) { return ReadNumber(out into.BurstPerMin, ref _hasBurst); }
            if (KeyIs("after", keyLength)) { return ReadNumber(out into.AfterSeq, ref _hasAfter); }
            if (KeyIs("class", keyLength)) { return ReadText(out _class); }
            if (KeyIs("curtail", keyLength)) { return ReadText(out _curtail); }
            if (KeyIs("cid", keyLength))
            {
                string cid;
                if (!ReadText(out cid)) { return false; }
                into.Cid = Ascii.IsToken(cid) ? cid : null;
                return true;
            }
            if (KeyIs("ch", keyLength))
            {
                return ReadText(out into.Channel);
            }
            if (KeyIs("op", keyLength))
            {
                return ReadText(out _op);
            }
            if (KeyIs("state", keyLength))
            {
                string state;
                if (!ReadText(out state)) { return false; }
                _hasState = state == "open" || state == "closed";
                into.Open = state == "open";
                return true;
            }
            return _cursor.SkipValue(1);
        }

        private bool ReadNumber(out long value, ref bool seen)
        {
            if (_cursor.Peek() == '"')
            {
                value = 0;
                _fieldBad = true;
                return _cursor.SkipValue(1);
            }
            int result = _cursor.ReadInt64(out value);
            if (result == JsonCursor.NumberMalformed)
            {
                // true/false/null/objects are well-formed JSON of the wrong type.
                _fieldBad = true;
                return _cursor.SkipValue(1);
            }
            if (result == JsonCursor.NumberNotInteger || seen)
            {
                _fieldBad = true; // a fraction, an exponent, an overflow, or a duplicate key
            }
            seen = true;
            return true;
        }

        /// <summary>Reads a string field (null when of the wrong type or too long, which the
        /// validators then refuse); false only when the JSON is malformed.</summary>
        private bool ReadText(out string text)
        {
            text = null;
            if (_cursor.Peek() != '"')
            {
                _fieldBad = true;
                return _cursor.SkipValue(1);
            }
            int length = _cursor.ReadString(_value);
            if (length < 0)
            {
                return false;
            }
            if (length <= _value.Length)
            {
                text = new string(_value, 0, length);
            }
            else
            {
                _fieldBad = true;
            }
            return true;
        }

        private bool KeyIs(string name, int keyLength)
        {
            return Ascii.KeyIs(_key, keyLength, name);
        }
    }
}
