using System.Net.Sockets;
using System.Text;

namespace Commons.Metering.Testing.Servers;

/// <summary>One MQTT 3.1.1 CONNECT and DISCONNECT over a raw socket, to tell when a broker serves
/// sessions (a listening port is not enough: NATS opens its MQTT port before its JetStream can hold
/// a session). Packet layouts: MQTT 3.1.1 sections 3.1 (CONNECT), 3.2 (CONNACK), 3.14 (DISCONNECT).</summary>
public static class MqttProbe
{
    /// <summary>"" when the broker accepted the session, else why not.</summary>
    public static string Connect(int port, string clientId, bool cleanSession, int timeoutMs = 2_000)
    {
        try
        {
            using var client = new TcpClient();
            if (!client.ConnectAsync("127.0.0.1", port).Wait(timeoutMs)) return "TCP connect timed out";
            client.ReceiveTimeout = timeoutMs;
            var stream = client.GetStream();
            var id = Encoding.UTF8.GetBytes(clientId);
            // Variable header: protocol name "MQTT", level 4, flags, keep-alive 10 s; payload: client id.
            var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, (byte)(cleanSession ? 0x02 : 0x00), 0, 10,
                (byte)(id.Length >> 8), (byte)id.Length };
            body.AddRange(id);
            var packet = new List<byte> { 0x10, (byte)body.Count }; // client ids here stay under 128 bytes of body
            packet.AddRange(body);
            stream.Write(packet.ToArray());
            var connack = new byte[4];
            var read = 0;
            while (read < 4)
            {
                var n = stream.Read(connack, read, 4 - read);
                if (n == 0) return "connection closed before CONNACK";
                read += n;
            }
            if (connack[0] != 0x20) return $"not a CONNACK: 0x{connack[0]:x2}";
            if (connack[3] != 0) return $"CONNACK return code {connack[3]}";
            stream.Write([0xE0, 0]);
            return "";
        }
        catch (Exception e) when (e is SocketException or IOException or AggregateException)
        {
            return e.Message;
        }
    }
}
