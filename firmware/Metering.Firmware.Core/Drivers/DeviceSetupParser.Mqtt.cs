namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>mqtt.servers: "host1:port1,host2:port2", the MQTT listeners of a broker cluster
    /// (NATS, EMQX or VerneMQ nodes) that share the device's session; the transport takes the next one
    /// after every failed or lost connection.</summary>
    public sealed partial class DeviceSetupParser
    {
        private bool MqttServers(DeviceSetup s)
        {
            string text;
            if (!Text("mqtt.servers", TextCapacity, out text))
            {
                return false;
            }
            s.MqttServerCount = 0;
            int start = 0;
            while (start <= text.Length)
            {
                int end = text.IndexOf(',', start);
                if (end < 0)
                {
                    end = text.Length;
                }
                if (!MqttServer(text.Substring(start, end - start).Trim(), s))
                {
                    return false;
                }
                start = end + 1;
            }
            return true;
        }

        private bool MqttServer(string entry, DeviceSetup s)
        {
            int colon = entry.LastIndexOf(':');
            if (colon <= 0 || colon == entry.Length - 1 || entry.IndexOf(':') != colon)
            {
                return Fail("mqtt.servers: '" + entry + "' is not host:port");
            }
            int port = 0;
            for (int i = colon + 1; i < entry.Length; i++)
            {
                char c = entry[i];
                if (c < '0' || c > '9' || port > 6553)
                {
                    return Fail("mqtt.servers: '" + entry + "' needs a port in 1..65535");
                }
                port = port * 10 + (c - '0');
            }
            if (port < 1 || port > 65535)
            {
                return Fail("mqtt.servers: '" + entry + "' needs a port in 1..65535");
            }
            if (s.MqttServerCount == DeviceSetup.MaxMqttServers)
            {
                return Fail("mqtt.servers: more than " + DeviceSetup.MaxMqttServers + " servers");
            }
            s.MqttServerHosts[s.MqttServerCount] = entry.Substring(0, colon);
            s.MqttServerPorts[s.MqttServerCount] = port;
            s.MqttServerCount++;
            return true;
        }
    }
}
