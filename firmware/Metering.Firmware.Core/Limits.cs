namespace Commons.Metering.Firmware
{
    /// <summary>Every bound and default of the firmware core in one place, each with its source.</summary>
    internal static class Limits
    {
        /// <summary>docs/protocol.md, Encoding: "at most 1024 bytes per payload".</summary>
        public const int MaxPayloadBytes = 1024;

        /// <summary>docs/protocol.md, reading: `ch` is an array of 1..16 entries.</summary>
        public const int MaxChannels = 16;

        /// <summary>docs/protocol.md, gauge: `g` is an array of 1..8 entries (a record of 8 is 240
        /// bytes, inside the largest outbox record).</summary>
        public const int MaxGauges = 8;

        /// <summary>docs/protocol.md: channel names match ^[a-z0-9][a-z0-9_]{0,31}$.</summary>
        public const int MaxChannelNameLength = 32;

        /// <summary>docs/protocol.md: community and meter ids match ^[a-z0-9][a-z0-9_-]{0,47}$.</summary>
        public const int MaxIdLength = 48;

        /// <summary>docs/protocol.md: cid and permit match ^[A-Za-z0-9_-]{1,32}$.</summary>
        public const int MaxCidLength = 32;

        /// <summary>docs/protocol.md: permit ^[A-Za-z0-9_-]{1,32}$.</summary>
        public const int MaxPermitLength = 32;

        /// <summary>Our bound on an event's free-text detail, so an event record stays small.</summary>
        public const int MaxDetailLength = 64;

        /// <summary>Our bound on the firmware version string in the status payload.</summary>
        public const int MaxFirmwareVersionLength = 32;

        /// <summary>Sequence numbers reserved in flash per totals write (docs/protocol.md: "the device
        /// reserves blocks of sequence numbers in flash"). At one reading a minute this costs one
        /// extra totals write every ~16.7 hours; a reboot skips at most this many numbers.</summary>
        public const long SeqReserveBlock = 1000;

        /// <summary>Largest config seq_floor: 2^53, the largest integer every JSON reader (the gateway's
        /// too) holds exactly; leaves the device 2^63 - 2^53 sequence numbers after it.</summary>
        public const long MaxSeqFloor = 9007199254740992;

        /// <summary>Executed command ids remembered (and persisted) for at-most-once execution
        /// (docs/protocol.md: "it remembers the last ones it executed").</summary>
        public const int RememberedCids = 8;

        /// <summary>Uplinks (boot event, forest bookings, raised events) held in RAM while the clock
        /// has not been set yet.</summary>
        public const int HeldUplinks = 8;

        /// <summary>docs/protocol.md, confirmation: at most 16 ranges per message.</summary>
        public const int MaxConfirmRanges = 16;

        /// <summary>Confirmed ranges buffered between a transport callback and the next Tick (four
        /// full confirmations); more are dropped, which only costs a resend (confirmations are QoS 0
        /// hints, docs/protocol.md).</summary>
        public const int InboxConfirmRanges = 64;

        /// <summary>Longest wait between two resends of unconfirmed records while the gateway stays
        /// silent: the confirmation timeout doubles per silent round up to 2^4 times (8 minutes at the
        /// default 30 s), so a gateway down for hours is not flooded through the broker.</summary>
        public const int MaxConfirmBackoffShift = 4;

        /// <summary>Downlink messages buffered between a transport callback and the next Tick.</summary>
        public const int InboxMessages = 4;

        /// <summary>Smallest block the flash layout accepts: a totals record with 16 channels and 8
        /// remembered cids is 634 bytes, and an outbox record at most 253.</summary>
        public const int MinBlockSize = 1024;

        /// <summary>Smallest block count: two for the totals ring, one per outbox half.</summary>
        public const int MinBlockCount = 4;

        /// <summary>Records a refill (docs/protocol.md, refill) copies back into the outbox per Tick: one
        /// scan of the active half per copy, so a Tick stays short while a window of hundreds is sent again.</summary>
        public const int RefillPerTick = 8;
    }
}
