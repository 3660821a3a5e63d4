namespace Commons.Metering.Firmware.Storage
{
    /// <summary>Layout of one outbox record in flash (outbox.md). Registers and ids are stored in
    /// binary (a one-channel reading takes 40 bytes, a third of its JSON) and rendered to JSON when
    /// published.
    /// <code>
    /// [0] magic 0xB6  [1] kind  [2..3] length  [4] removed flag  [5] pinned flag
    /// [6..13] seq  [14..21] ts  [22..] body  [length-4..] CRC-32 of all but bytes 4 and 5
    /// reading: [22] 1 if a permit follows  [23] n  n x (hash u32, register i64)  [permit len, permit]
    /// event:   [22] kind code  [23] ch len, ch  [detail len, detail]
    /// ack:     [22] reason code (0 = ok)  [23] cid len, cid
    /// gauge:   [22] 0  [23] n  n x (hash u32, quantity u8, sensor u8, samples i32, last, min, max, mean i32) (OutboxRecord.Gauge.cs)
    /// </code>
    /// The flags are 0xFF when written and programmed to 0x00 in place later (NOR flash clears
    /// bits without an erase), which is why the CRC leaves them out.</summary>
    internal static partial class OutboxRecord
    {
        public const byte Magic = 0xB6;
        public const byte KindReading = 1;
        public const byte KindEvent = 2;
        public const byte KindAck = 3;

        public const int KindAt = 1;
        public const int RemovedAt = 4;
        public const int PinnedAt = 5;
        public const int FlagCount = 2;
        public const int SeqAt = 6;
        public const int TsAt = 14;
        public const int BodyAt = 22;
        public const int CrcBytes = 4;
        public const int MinLength = BodyAt + 2 + CrcBytes;
        private const int ChannelBytes = 12;

        /// <summary>The largest record: a reading of 16 channels with a 32-character permit.</summary>
        public const int MaxBytes = BodyAt + 2 + Limits.MaxChannels * ChannelBytes + 1 + Limits.MaxPermitLength + CrcBytes;

        /// <summary>The largest outbox_thinned event ("dropped " and 19 digits).</summary>
        public const int ThinnedEventBytes = BodyAt + 2 + 1 + 8 + 19 + CrcBytes;

        public static int ReadingLength(int channelCount, int permitLength)
        {
            return BodyAt + 2 + channelCount * ChannelBytes + (permitLength > 0 ? 1 + permitLength : 0) + CrcBytes;
        }

        public static void BeginReading(byte[] r, int channelCount, bool pinned)
        {
            Header(r, KindReading, pinned);
            r[BodyAt] = 0;
            r[BodyAt + 1] = (byte)channelCount;
        }

        public static void SetChannel(byte[] r, int position, uint hash, long register)
        {
            int at = BodyAt + 2 + position * ChannelBytes;
            LittleEndian.WriteUInt32(r, at, hash);
            LittleEndian.WriteInt64(r, at + 4, register);
        }

        /// <summary>Appends the permit after the channels; returns the record length.</summary>
        public static int EndReading(byte[] r, string permit)
        {
            int at = BodyAt + 2 + r[BodyAt + 1] * ChannelBytes;
            if (permit != null)
            {
                r[BodyAt] = 1;
                at = PutText(r, at, permit);
            }
            return at + CrcBytes;
        }

        /// <summary>An event record; detail is <paramref name="detail"/> followed, when
        /// <paramref name="hasNumber"/>, by <paramref name="number"/> in decimal. Returns the length.</summary>
        public static int Event(byte[] r, byte kind, string channel, string detail, bool hasNumber, long number)
        {
            Header(r, KindEvent, false);
            r[BodyAt] = kind;
            int at = PutText(r, BodyAt + 1, channel);
            int lengthAt = at++;
            if (detail != null)
            {
                for (int i = 0; i < detail.Length; i++)
                {
                    r[at++] = (byte)detail[i];
                }
            }
            if (hasNumber)
            {
                at = PutDigits(r, at, number);
            }
            r[lengthAt] = (byte)(at - lengthAt - 1);
            return at + CrcBytes;
        }

        public static int Ack(byte[] r, string cid, byte reason)
        {
            Header(r, KindAck, false);
            r[BodyAt] = reason;
            return PutText(r, BodyAt + 1, cid) + CrcBytes;
        }

        /// <summary>Stamps seq and ts and seals the CRC of a built record.</summary>
        public static void Seal(byte[] r, int length, long seq, long tsMs)
        {
            LittleEndian.WriteUInt16(r, 2, length);
            LittleEndian.WriteInt64(r, SeqAt, seq);
            LittleEndian.WriteInt64(r, TsAt, tsMs);
            FlashRecords.Seal(r, length, RemovedAt, FlagCount);
        }

        public static byte Kind(byte[] r) { return r[KindAt]; }
        public static long Seq(byte[] r) { return LittleEndian.ReadInt64(r, SeqAt); }
        public static long Ts(byte[] r) { return LittleEndian.ReadInt64(r, TsAt); }
        public static bool IsRemoved(byte[] r) { return r[RemovedAt] != 0xFF; }
        public static bool IsPinned(byte[] r) { return r[PinnedAt] != 0xFF; }
        public static bool HasPermit(byte[] r) { return r[BodyAt] == 1; }
        public static int ChannelCount(byte[] r) { return r[BodyAt + 1]; }
        public static uint ChannelHash(byte[] r, int i) { return LittleEndian.ReadUInt32(r, BodyAt + 2 + i * ChannelBytes); }
        public static long ChannelRegister(byte[] r, int i) { return LittleEndian.ReadInt64(r, BodyAt + 2 + i * ChannelBytes + 4); }
        /// <summary>Offset of the permit's length byte.</summary>
        public static int PermitAt(byte[] r) { return BodyAt + 2 + r[BodyAt + 1] * ChannelBytes; }

        /// <summary>True when the body's declared sizes fit inside <paramref name="length"/>.</summary>
        public static bool BodyFits(byte[] r, int length)
        {
            int end = length - CrcBytes;
            byte kind = r[KindAt];
            if (kind == KindReading)
            {
                int at = PermitAt(r);
                return r[BodyAt + 1] <= Limits.MaxChannels && at <= end && (!HasPermit(r) || at + 1 + r[at] <= end);
            }
            if (kind == KindEvent)
            {
                int detailAt = BodyAt + 2 + r[BodyAt + 1];
                return r[BodyAt] > 0 && r[BodyAt] < 9 && detailAt < end && detailAt + 1 + r[detailAt] <= end;
            }
            if (kind == KindGauge)
            {
                return GaugeFits(r, end);
            }
            return kind == KindAck && r[BodyAt] <= 4 && BodyAt + 2 + r[BodyAt + 1] <= end;
        }

        private static void Header(byte[] r, byte kind, bool pinned)
        {
            r[0] = Magic;
            r[KindAt] = kind;
            r[RemovedAt] = 0xFF;
            r[PinnedAt] = pinned ? (byte)0x00 : (byte)0xFF;
        }

        private static int PutText(byte[] r, int at, string text)
        {
            int length = text == null ? 0 : text.Length;
            r[at++] = (byte)length;
            for (int i = 0; i < length; i++)
            {
                r[at++] = (byte)text[i];
            }
            return at;
        }

        private static int PutDigits(byte[] r, int at, long value)
        {
            int digits = 1;
            for (long rest = value / 10; rest != 0; rest /= 10)
            {
                digits++;
            }
            for (int i = at + digits - 1; i >= at; i--)
            {
                r[i] = (byte)('0' + (int)(value % 10));
                value /= 10;
            }
            return at + digits;
        }
    }
}
