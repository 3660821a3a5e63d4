using System.Net.Sockets;
using System.Text;

namespace Commons.Metering.Cli.Tests;

/// <summary>A bare MQTT 3.1.1 CONNECT with a last will over a socket that is then dropped without a
/// DISCONNECT, so the broker publishes the will (MQTT 3.1.1, 3.1.2.5: a will is published when the
/// network connection closes without DISCONNECT). MQTTnet's client always disconnects cleanly.</summary>
internal static class RawMqttConnection
{
    /// <summary>Connects, checks the CONNACK accepted it, then drops the connection.</summary>
    public static async Task ConnectAndDropAsync(int port, string clientId, string user, string password, string willTopic, string willPayload)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        var body = new List<byte>();
        body.AddRange(Str("MQTT"));
        body.Add(4); // protocol level 3.1.1
        body.Add(0x80 | 0x40 | 0x08 | 0x04 | 0x02); // user, password, will QoS 1, will flag, clean session
        body.AddRange([0, 60]); // keep alive 60 s
        foreach (var s in new[] { clientId, willTopic, willPayload, user, password }) body.AddRange(Str(s));
        var packet = new List<byte> { 0x10 };
        var length = body.Count;
        do
        {
            var b = (byte)(length % 128);
            length /= 128;
            packet.Add(length > 0 ? (byte)(b | 0x80) : b);
        } while (length > 0);
        packet.AddRange(body);
        await stream.WriteAsync(packet.ToArray());
        var connack = new byte[4];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < 4) read += await stream.ReadAsync(connack.AsMemory(read), timeout.Token) is var n && n > 0 ? n : throw new IOException("connection closed before CONNACK");
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, connack);
        tcp.Client.LingerState = new LingerOption(true, 0); // RST: no DISCONNECT, no graceful close
    }

    private static byte[] Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }
}
