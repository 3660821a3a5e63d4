namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>The MQTT topics of one device (docs/protocol.md, "Topics"), built once at
    /// construction so publishing never concatenates strings.</summary>
    internal sealed class DeviceTopics
    {
        /// <summary>`commons/v1/{community}/{meter}`: the prefix of every topic of the device.</summary>
        public readonly string Root;
        public readonly string Reading;
        public readonly string Event;
        public readonly string Gauge;
        public readonly string Ack;
        /// <summary>Retained: online with its confirm level, or the offline last will.</summary>
        public readonly string Status;
        public readonly string Command;
        public readonly string Confirm;

        /// <summary>Ids already checked against `^[a-z0-9][a-z0-9_-]{0,47}$`.</summary>
        public DeviceTopics(string community, string meterId)
        {
            Root = "commons/v1/" + community + "/" + meterId;
            Reading = Root + "/up/reading";
            Event = Root + "/up/event";
            Gauge = Root + "/up/gauge";
            Ack = Root + "/up/ack";
            Status = Root + "/up/status";
            Command = Root + "/down/cmd";
            Confirm = Root + "/down/confirm";
        }
    }
}
