namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>How many messages the board's MQTT client may hold unacknowledged. M2Mqtt keeps one
    /// in-flight queue for both directions: the device's QoS 1 publishes and subscriptions until their
    /// PUBACK/SUBACK, and the broker's QoS 1 publishes to the device until M2Mqtt has handed them over
    /// and sent the PUBACK. A cap sized for the uplinks alone lets a full outbox window crowd out a
    /// valve or relay command: M2Mqtt drops it without a PUBACK and the broker only redelivers it with
    /// the next session. So the cap leaves room for as many commands as the core's inbox holds.</summary>
    internal static class TransportQueue
    {
        /// <summary>The retained online status, published outside the outbox window at every connect.</summary>
        public const int StatusMessages = 1;

        /// <summary>Subscriptions made at every connect: commands (down/cmd) and end-to-end
        /// confirmations (down/confirm); an unused one only costs a slot.</summary>
        public const int Subscriptions = 2;

        /// <summary>Incoming commands the queue must still take when every uplink slot is in use:
        /// as many as the core's inbox buffers between Ticks (Limits.InboxMessages).</summary>
        public const int CommandHeadroom = Limits.InboxMessages;

        /// <summary>The cap for a device whose outbox window is <paramref name="maxInflight"/>.</summary>
        public static int InflightCapacity(int maxInflight)
        {
            return maxInflight + StatusMessages + Subscriptions + CommandHeadroom;
        }
    }
}
