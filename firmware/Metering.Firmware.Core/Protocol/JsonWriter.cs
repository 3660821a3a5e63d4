using System;

namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>Appends JSON fragments to one reusable byte buffer. Allocates nothing after
    /// construction: integers are written digit by digit, strings byte by byte (ASCII by contract).</summary>
    internal sealed class JsonWriter
    {
        private readonly byte[] _buffer;
        private int _length;

        public JsonWriter(int capacity)
        {
            _buffer = new byte[capacity];
        }

        public byte[] Buffer { get { return _buffer; } }

        public int Length { get { return _length; } }

        public void Reset()
        {
            _length = 0;
        }

        public void Raw(byte[] bytes)
        {
            Raw(bytes, 0, bytes.Length);
        }

        public void Raw(byte[] bytes, int index, int count)
        {
            Ensure(count);
            Array.Copy(bytes, index, _buffer, _length, count);
            _length += count;
        }

        public void Byte(byte value)
        {
            Ensure(1);
            _buffer[_length++] = value;
        }

        /// <summary>Writes the characters of an ASCII string (validated by the caller).</summary>
        public void Text(string text)
        {
            Ensure(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                _buffer[_length++] = (byte)text[i];
            }
        }

        /// <summary>Writes a decimal integer: no exponent, no fraction (docs/protocol.md).</summary>
        public void Int64(long value)
        {
            ulong magnitude;
            if (value < 0)
            {
                Byte((byte)'-');
                magnitude = (ulong)(-(value + 1)) + 1; // long.MinValue has no positive counterpart
            }
            else
            {
                magnitude = (ulong)value;
            }
            int digits = 1;
            for (ulong rest = magnitude / 10; rest != 0; rest /= 10)
            {
                digits++;
            }
            Ensure(digits);
            int end = _length + digits;
            for (int i = end - 1; i >= _length; i--)
            {
                _buffer[i] = (byte)('0' + (int)(magnitude % 10));
                magnitude /= 10;
            }
            _length = end;
        }

        private void Ensure(int count)
        {
            if (_length + count > _buffer.Length)
            {
                throw new InvalidOperationException("payload exceeds the encode buffer");
            }
        }
    }
}
