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

        /// <summary>Reads a string, decoding escapes, into <paramref name="into"/>. Returns the
        /// decoded length, <paramref name="into"/>.Length + 1 when it was longer (consumed all the
        /// same), or -1 when malformed. Non-ASCII text decodes to '\u0080'+ chars, which no
        /// validator of ours accepts.</summary>
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
                    if (c < 0)
                    {
                        return -1;
                    }
                }
                if (length < into.Length)
                {
                    into[length] = (char)c;
                }
                length++;
            }
            return -1;
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
                case 'u': return ReadHex4();
                default: return -1;
            }
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
