namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>Writes the v1 uplink payloads (docs/protocol.md) into a <see cref="JsonWriter"/>,
    /// byte for byte in the documented field order. Allocation-free.</summary>
    internal static class PayloadEncoder
    {
        /// <summary>`{"v":1,"seq":..,"ts":..,"ch":[` — follow with <see cref="Channel"/> calls and
        /// <see cref="EndReading"/>.</summary>
        public static void BeginReading(JsonWriter w, long seq, long tsMs)
        {
            w.Reset();
            w.Raw(Words.SeqOpen);
            w.Int64(seq);
            w.Raw(Words.Ts);
            w.Int64(tsMs);
            w.Raw(Words.ChannelsOpen);
        }

        public static void Channel(JsonWriter w, int position, byte[] name, byte[] unit, long register)
        {
            if (position > 0)
            {
                w.Byte((byte)',');
            }
            w.Raw(Words.ChannelName);
            w.Raw(name);
            w.Raw(Words.ChannelUnit);
            w.Raw(unit);
            w.Raw(Words.ChannelRegister);
            w.Int64(register);
            w.Byte((byte)'}');
        }

        /// <summary>Closes the channel array; <paramref name="permitLength"/> 0 means no permit.</summary>
        public static void EndReading(JsonWriter w, byte[] permit, int permitIndex, int permitLength)
        {
            w.Byte((byte)']');
            if (permitLength > 0)
            {
                w.Raw(Words.Permit);
                w.Raw(permit, permitIndex, permitLength);
                w.Byte((byte)'"');
            }
            w.Byte((byte)'}');
        }

        /// <summary>An event; a length of 0 omits the optional `ch` or `detail`.</summary>
        public static void Event(JsonWriter w, long seq, long tsMs, byte kind,
            byte[] channel, int channelIndex, int channelLength, byte[] detail, int detailIndex, int detailLength)
        {
            w.Reset();
            w.Raw(Words.SeqOpen);
            w.Int64(seq);
            w.Raw(Words.Ts);
            w.Int64(tsMs);
            w.Raw(Words.Kind);
            w.Raw(Words.EventKindBytes[kind]);
            w.Byte((byte)'"');
            if (channelLength > 0)
            {
                w.Raw(Words.EventChannel);
                w.Raw(channel, channelIndex, channelLength);
                w.Byte((byte)'"');
            }
            if (detailLength > 0)
            {
                w.Raw(Words.Detail);
                w.Raw(detail, detailIndex, detailLength);
                w.Byte((byte)'"');
            }
            w.Byte((byte)'}');
        }

        /// <summary>The online status; `ts` is left out while the clock is not set.</summary>
        /// <param name="confirm">docs/protocol.md, status: 1 = the device can wait for confirmations and
        /// is still learning whether its gateway sends them, 2 = it waits for them.</param>
        public static void StatusOnline(JsonWriter w, byte[] firmware, int bootCount, int outboxDepth, int confirm, bool hasTs, long tsMs)
        {
            w.Reset();
            w.Raw(Words.StateOpen);
            w.Raw(Words.Online);
            w.Byte((byte)'"');
            w.Raw(Words.Firmware);
            w.Raw(firmware);
            w.Byte((byte)'"');
            w.Raw(Words.Boot);
            w.Int64(bootCount);
            w.Raw(Words.OutboxDepth);
            w.Int64(outboxDepth);
            w.Raw(Words.Confirm);
            w.Int64(confirm);
            if (hasTs)
            {
                w.Raw(Words.Ts);
                w.Int64(tsMs);
            }
            w.Byte((byte)'}');
        }

        /// <summary>`{"v":1,"state":"offline"}`, the retained last will.</summary>
        public static void StatusOffline(JsonWriter w)
        {
            w.Reset();
            w.Raw(Words.StateOpen);
            w.Raw(Words.Offline);
            w.Byte((byte)'"');
            w.Byte((byte)'}');
        }

        /// <summary>An ack; <paramref name="reason"/> <see cref="AckReason.None"/> means ok.</summary>
        public static void Ack(JsonWriter w, byte[] cid, int cidIndex, int cidLength, byte reason, long tsMs)
        {
            w.Reset();
            w.Raw(Words.CidOpen);
            w.Raw(cid, cidIndex, cidLength);
            if (reason == AckReason.None)
            {
                w.Raw(Words.OkTrue);
            }
            else
            {
                w.Raw(Words.OkFalse);
                w.Raw(Words.Error);
                w.Raw(Words.RejectReasonBytes[reason]);
                w.Byte((byte)'"');
            }
            w.Raw(Words.Ts);
            w.Int64(tsMs);
            w.Byte((byte)'}');
        }
    }
}
