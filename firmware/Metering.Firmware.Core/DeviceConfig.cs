namespace Commons.Metering.Firmware
{
    /// <summary>What a device is and how it behaves; read once by the <see cref="MeterDevice"/>
    /// constructor (later changes have no effect). Comes from device storage, never from source.</summary>
    public sealed class DeviceConfig
    {
        /// <summary>Community id, ^[a-z0-9][a-z0-9_-]{0,47}$ (docs/protocol.md, Topics).</summary>
        public string Community;

        /// <summary>Meter id, same alphabet; also the MQTT client id.</summary>
        public string MeterId;

        public string FirmwareVersion = "1.0.0";

        /// <summary>One reading a minute: enough resolution for daily allowances and leak flags.</summary>
        public int ReadingIntervalMs = 60000;

        /// <summary>Totals are written at most every 5 minutes (flash wear: see totals-ring.md).</summary>
        public int PersistIntervalMs = 300000;

        /// <summary>Records the outbox holds (about 4 hours of readings at one a minute before
        /// thinning starts); RAM cost is about 37 bytes each.</summary>
        public int OutboxCapacity = 256;

        /// <summary>Uplinks published but not yet acknowledged; 1 keeps strict order on the wire.</summary>
        public int MaxInflight = 1;

        /// <summary>Records sent and not yet confirmed by the gateway (docs/protocol.md, confirmation):
        /// a backlog moves at most this far ahead of the gateway's confirmations. 32 keeps a one-minute
        /// device's first hour after an outage on the wire without waiting a round trip per reading.</summary>
        public int MaxUnconfirmed = 32;

        /// <summary>A record whose PUBACK came but whose confirmation did not within this long is sent
        /// again (doubling while the gateway stays silent). 30 s: far above a commit (milliseconds),
        /// short enough that a broker's lost messages come back within a minute.</summary>
        public int ConfirmTimeoutMs = 30000;

        public int ReconnectMinMs = 1000;

        /// <summary>Five minutes: the longest a device waits between connection attempts.</summary>
        public int ReconnectMaxMs = 300000;

        /// <summary>The device's first seq is above this (docs/protocol.md, "Sequence and time bounds"): a
        /// reflashed device has lost its sequence with its flash, and the technician sets this to the
        /// gateway's high-water mark of the meter (metering seq restore) so its readings are not 'late'.
        /// A floor only: a device whose flash holds a higher sequence keeps it. 0 = none.</summary>
        public long SeqFloor;
    }
}
