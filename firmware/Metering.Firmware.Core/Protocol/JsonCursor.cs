namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>A forward-only reader over a JSON text in a byte buffer: just enough for the flat
    /// downlink objects of docs/protocol.md, strict about syntax, tolerant of unknown fields of any
    /// shape (skipped up to <see cref="MaxDepth"/> levels of nesting).</summary>
    internal sealed class JsonCursor
    {
        /// <summary>Deeper nesting is refused as malformed (a bound against stack exhaustion).</summary>
        public const int MaxDepth = 8;

        public const int NumberOk = 0;
        public const int NumberNotInteger = 1;
        public const int NumberMalformed = 2;

        private byte[] _text;
        private int _position;
        private int _end;

        public void Reset(byte[] text, int count)
        {
            _text = text;
            _position = 0;
            _end = count;
        }

        public bool AtEnd
        {
            get
            {
                SkipWhitespace();
                return _position >= _end;
            }
        }

        /// <summary>Reads <paramref name="count"/> bytes of <paramref name="text"/> as one top-level
        /// object: each key into <paramref name="key"/>, its value by <paramref name="fields"/>. False
        /// when the text is not exactly one well-formed object, or a field reader said so.</summary>
        public bool ReadObject(byte[] text, int count, char[] key, IJsonFields fields)
        {
            Reset(text, count);
            if (!Consume('{'))
            {
                return false;
            }
            if (!Consume('}'))
            {
                while (true)
                {
                    int keyLength = ReadString(key);
                    if (keyLength < 0 || !Consume(':') || !fields.ReadField(keyLength))
                    {
                        return false;
                    }
                    if (Consume('}'))
                    {
                        break;
                    }
                    if (!Consume(','))
                    {
                        return false;
                    }
                }
            }
            return AtEnd;
        }

        /// <summary>The next significant byte, or -1 at the end; does not consume it.</summary>
        public int Peek()
        {
            SkipWhitespace();
            return _position < _end ? _text[_position] : -1;
        }

        public bool Consume(char expected)
        {
            if (Peek() != expected)
            {
                return false;
            }
            _position++;
            return true;
        }

        /// <summary>Reads a string into <paramref name="into"/> as UTF-16, decoding escapes and
        /// UTF-8 (RFC 8259 section 8.1; RFC 3629). Returns the decoded length in chars,
        /// <paramref name="into"/>.Length + 1 when it was longer (consumed all the same), or -1 when
        /// malformed: a control character, a bad escape, invalid UTF-8 (a stray continuation
        /// byte, an overlong form, an encoded surrogate, beyond U+10FFFF, a truncated sequence)
        /// or a lone surrogate escape. A character beyond U+FFFF takes two chars (a surrogate
        /// pair), whether it came as four UTF-8 bytes or as an escaped pair.</summary>
        public int ReadString(char[] into)
        {
            if (!Consume('"'))
            {
                return -1;
            }
            int length = 0;
            while (_position < _end)
            {
                int c = _text[_position++];
                if (c == '"')
                {
                    return length <= into.Length ? length : into.Length + 1;
                }
                if (c < 0x20)
                {
                    return -1;
                }
                if (c == '\\')
                {
                    c = ReadEscape();
                }
                else if (c >= 0x80)
                {
                    c = ReadUtf8(c);
                }
                if (c < 0)
                {
                    return -1;
                }
                if (c > 0xFFFF)
                {
                    c -= 0x10000;
                    Put(into, length++, 0xD800 + (c >> 10));
                    c = 0xDC00 + (c & 0x3FF);
                }
                Put(into, length++, c);
            }
            return -1;
        }

        private static void Put(char[] into, int at, int c)
        {
            if (at < into.Length)
            {
                into[at] = (char)c;
            }
        }

        /// <summary>The code point of the UTF-8 sequence led by <paramref name="lead"/> (already
        /// consumed), or -1 when the sequence is not well-formed UTF-8 (RFC 3629 section 4).</summary>
        private int ReadUtf8(int lead)
        {
            int more;
            int min;
            int value;
            if (lead >= 0xC2 && lead <= 0xDF) { more = 1; min = 0x80; value = lead & 0x1F; }
            else if (lead >= 0xE0 && lead <= 0xEF) { more = 2; min = 0x800; value = lead & 0x0F; }
            else if (lead >= 0xF0 && lead <= 0xF4) { more = 3; min = 0x10000; value = lead & 0x07; }
            else { return -1; } // a continuation byte, C0/C1 (always overlong) or F5-FF
            for (int i = 0; i < more; i++)
            {
                if (_position >= _end || (_text[_position] & 0xC0) != 0x80)
                {
                    return -1;
                }
                value = (value << 6) | (_text[_position++] & 0x3F);
            }
            if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
            {
                return -1;
            }
            return value;
        }

        /// <summary>Reads an integer that fits an int64. A fraction or exponent is reported as
        /// <see cref="NumberNotInteger"/> (consumed); anything else that is not a number as
        /// <see cref="NumberMalformed"/>.</summary>
        public int ReadInt64(out long value)
        {
            value = 0;
            if (Peek() < 0)
            {
                return NumberMalformed;
            }
            bool negative = _text[_position] == '-';
            if (negative)
            {
                _position++;
            }
            int start = _position;
            ulong magnitude = 0;
            bool overflow = false;
            while (_position < _end && _text[_position] >= '0' && _text[_position] <= '9')
            {
                ulong digit = (ulong)(_text[_position] - '0');
                if (magnitude > (ulong.MaxValue - digit) / 10)
                {
                    overflow = true;
                }
                else
                {
                    magnitude = magnitude * 10 + digit;
                }
                _position++;
            }
            int digits = _position - start;
            if (digits == 0 || (digits > 1 && _text[start] == '0'))
            {
                return NumberMalformed;
            }
            if (_position < _end && (_text[_position] == '.' || _text[_position] == 'e' || _text[_position] == 'E'))
            {
                SkipNumberTail();
                return NumberNotInteger;
            }
            ulong limit = negative ? 9223372036854775808UL : 9223372036854775807UL;
            if (overflow || magnitude > limit)
            {
                return NumberNotInteger;
            }
            value = negative ? (long)(0UL - magnitude) : (long)magnitude;
            return NumberOk;
        }

        /// <summary>Skips one value of any type; false when malformed or nested too deeply.</summary>
        public bool SkipValue(int depth)
        {
            int c = Peek();
            if (c == '"')
            {
                return ReadString(Empty) >= 0;
            }
            if (c == '{' || c == '[')
            {
                return SkipContainer(depth);
            }
            if (c == '-' || (c >= '0' && c <= '9'))
            {
                long ignored;
                return ReadInt64(out ignored) != NumberMalformed;
            }
            return SkipLiteral("true") || SkipLiteral("false") || SkipLiteral("null");
        }

        private static readonly char[] Empty = new char[0];

        private bool SkipContainer(int depth)
        {
            if (depth >= MaxDepth)
            {
                return false;
            }
            bool isObject = _text[_position] == '{';
            char close = isObject ? '}' : ']';
            _position++;
            if (Consume(close))
            {
                return true;
            }
            while (true)
            {
                if (isObject && (ReadString(Empty) < 0 || !Consume(':')))
                {
                    return false;
                }
                if (!SkipValue(depth + 1))
                {
                    return false;
                }
                if (Consume(close))
                {
                    return true;
                }
                if (!Consume(','))
                {
                    return false;
                }
            }
        }

        private bool SkipLiteral(string literal)
        {
            SkipWhitespace();
            if (_position + literal.Length > _end)
            {
                return false;
            }
            for (int i = 0; i < literal.Length; i++)
            {
                if (_text[_position + i] != literal[i])
                {
                    return false;
                }
            }
            _position += literal.Length;
            return true;
        }

        private void SkipNumberTail()
        {
            while (_position < _end)
            {
                int c = _text[_position];
                if ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')
                {
                    _position++;
                }
                else
                {
                    return;
                }
            }
        }

        private int ReadEscape()
        {
            if (_position >= _end)
            {
                return -1;
            }
            int c = _text[_position++];
            switch (c)
            {
                case '"': return '"';
                case '\\': return '\\';
                case '/': return '/';
                case 'b': return '\b';
                case 'f': return '\f';
                case 'n': return '\n';
                case 'r': return '\r';
                case 't': return '\t';
                case 'u': return ReadUnicodeEscape();
                default: return -1;
            }
        }

        /// <summary>\uXXXX, or an escaped surrogate pair as one code point; a lone surrogate is -1.</summary>
        private int ReadUnicodeEscape()
        {
            int value = ReadHex4();
            if (value >= 0xDC00 && value <= 0xDFFF)
            {
                return -1;
            }
            if (value < 0xD800 || value > 0xDBFF)
            {
                return value;
            }
            if (_position + 2 > _end || _text[_position] != '\\' || _text[_position + 1] != 'u')
            {
                return -1;
            }
            _position += 2;
            int low = ReadHex4();
            if (low < 0xDC00 || low > 0xDFFF)
            {
                return -1;
            }
            return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00);
        }

        private int ReadHex4()
        {
            if (_position + 4 > _end)
            {
                return -1;
            }
            int value = 0;
            for (int i = 0; i < 4; i++)
            {
                int c = _text[_position++];
                int digit;
                if (c >= '0' && c <= '9') { digit = c - '0'; }
                else if (c >= 'a' && c <= 'f') { digit = c - 'a' + 10; }
                else if (c >= 'A' && c <= 'F') { digit = c - 'A' + 10; }
                else { return -1; }
                value = (value << 4) | digit;
            }
            return value;
        }

        private void SkipWhitespace()
        {
            while (_position < _end)
            {
                int c = _text[_position];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                {
                    return;
                }
                _position++;
            }
        }
    }
}
