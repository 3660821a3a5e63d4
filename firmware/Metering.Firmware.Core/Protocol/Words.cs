namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>The fixed byte fragments of the v1 payloads (docs/protocol.md), built once at
    /// start so the encoder only copies bytes.</summary>
    internal static class Words
    {
        public static readonly byte[] SeqOpen = Ascii.Bytes("{\"v\":1,\"seq\":");
        public static readonly byte[] Ts = Ascii.Bytes(",\"ts\":");
        public static readonly byte[] ChannelsOpen = Ascii.Bytes(",\"ch\":[");
        public static readonly byte[] ChannelName = Ascii.Bytes("{\"n\":\"");
        public static readonly byte[] ChannelUnit = Ascii.Bytes("\",\"u\":\"");
        public static readonly byte[] ChannelRegister = Ascii.Bytes("\",\"reg\":");
        public static readonly byte[] Permit = Ascii.Bytes(",\"permit\":\"");
        public static readonly byte[] Kind = Ascii.Bytes(",\"kind\":\"");
        public static readonly byte[] EventChannel = Ascii.Bytes(",\"ch\":\"");
        public static readonly byte[] Detail = Ascii.Bytes(",\"detail\":\"");
        public static readonly byte[] StateOpen = Ascii.Bytes("{\"v\":1,\"state\":\"");
        public static readonly byte[] Online = Ascii.Bytes("online");
        public static readonly byte[] Offline = Ascii.Bytes("offline");
        public static readonly byte[] Firmware = Ascii.Bytes(",\"fw\":\"");
        public static readonly byte[] Boot = Ascii.Bytes(",\"boot\":");
        public static readonly byte[] OutboxDepth = Ascii.Bytes(",\"outbox\":");
        public static readonly byte[] Confirm = Ascii.Bytes(",\"confirm\":");
        public static readonly byte[] CidOpen = Ascii.Bytes("{\"v\":1,\"cid\":\"");
        public static readonly byte[] OkTrue = Ascii.Bytes("\",\"ok\":true");
        public static readonly byte[] OkFalse = Ascii.Bytes("\",\"ok\":false");
        public static readonly byte[] Error = Ascii.Bytes(",\"err\":\"");

        /// <summary>Units a register may carry (docs/protocol.md, reading: ch[].u).</summary>
        public static readonly string[] Units = new string[] { "mL", "Wh", "g" };

        /// <summary>Event kinds, indexed by <see cref="EventKind"/> code (docs/protocol.md, event).</summary>
        public static readonly string[] EventKinds = new string[]
        {
            "", "boot", "leak", "burst", "overcurrent", "tamper", "outbox_thinned", "storage_fault", "cmd_rejected",
        };

        public static readonly byte[][] EventKindBytes = BytesOf(EventKinds);

        /// <summary>Rejection reasons, indexed by <see cref="AckReason"/> code (docs/protocol.md, ack).</summary>
        public static readonly string[] AckReasons = new string[]
        {
            "", "expired", "unknown_op", "bad_field", "unsupported_version",
        };

        public static readonly byte[][] RejectReasonBytes = BytesOf(AckReasons);

        public static int IndexOf(string[] words, string word)
        {
            for (int i = 0; i < words.Length; i++)
            {
                if (words[i] == word)
                {
                    return i;
                }
            }
            return -1;
        }

        private static byte[][] BytesOf(string[] words)
        {
            byte[][] bytes = new byte[words.Length][];
            for (int i = 0; i < words.Length; i++)
            {
                bytes[i] = Ascii.Bytes(words[i]);
            }
            return bytes;
        }
    }

    /// <summary>Codes of the event kinds (index into <see cref="Words.EventKinds"/>).</summary>
    internal static class EventKind
    {
        public const byte Boot = 1;
        public const byte Leak = 2;
        public const byte Burst = 3;
        public const byte OutboxThinned = 6;
        public const byte CmdRejected = 8;
    }

    /// <summary>Codes of the command rejection reasons (index into <see cref="Words.AckReasons"/>).</summary>
    internal static class AckReason
    {
        public const byte None = 0;
        public const byte Expired = 1;
        public const byte UnknownOp = 2;
        public const byte BadField = 3;
        public const byte UnsupportedVersion = 4;
    }
}
