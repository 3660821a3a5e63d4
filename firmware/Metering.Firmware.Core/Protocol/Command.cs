namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>Operation codes of a downlink command (docs/protocol.md, command: `op`).</summary>
    internal static class CommandOp
    {
        public const int None = 0;
        public const int Allowance = 1;
        public const int Stage = 2;
        public const int Valve = 3;
        public const int Relay = 4;
        public const int Ping = 5;
        public const int Safety = 6;
        public const int Reset = 7;
        /// <summary>Send again what the flash window still holds after `after` (docs/protocol.md, refill).</summary>
        public const int Refill = 8;

        public static readonly string[] Names = new string[] { "", "allowance", "stage", "valve", "relay", "ping", "safety", "reset", "refill" };
    }

    /// <summary>A parsed downlink command; one instance is reused for every message.</summary>
    internal sealed class Command
    {
        /// <summary>The command id when it was present and well formed (even if the command is
        /// otherwise rejected, so the rejection can be acknowledged); null otherwise.</summary>
        public string Cid;
        public long ExpiresUnixMs;
        public int Op;
        public string Channel;
        public long Limit;
        public long PeriodS;
        public int Stage;
        /// <summary>`state`: true for "open", false for "closed".</summary>
        public bool Open;
        /// <summary>allowance `start` (0 when absent) and `used` (0 when absent).</summary>
        public long StartUnixMs;
        public long Used;
        /// <summary>allowance `class` as a <see cref="UseClass"/> code; 0 when absent.</summary>
        public int UseClass;
        /// <summary>stage `curtail` as a <see cref="UseClass"/> threshold; -1 when absent.</summary>
        public int Curtail;
        /// <summary>safety `leak_s` and `burst_per_min`.</summary>
        public int LeakS;
        public long BurstPerMin;
        /// <summary>refill `after`: the newest sequence number the gateway's ledger holds.</summary>
        public long AfterSeq;

        public void Clear()
        {
            Cid = null;
            ExpiresUnixMs = 0;
            Op = CommandOp.None;
            Channel = null;
            Limit = 0;
            PeriodS = 0;
            Stage = 0;
            Open = false;
            StartUnixMs = 0;
            Used = 0;
            UseClass = 0;
            Curtail = -1;
            LeakS = 0;
            BurstPerMin = 0;
            AfterSeq = 0;
        }
    }
}
