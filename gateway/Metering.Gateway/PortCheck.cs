using System.Net;
using System.Net.Sockets;
using Commons.Metering.Gateway.Options;

namespace Commons.Metering.Gateway;

/// <summary>Checks before start that the ports the gateway will listen on are free, so a taken port
/// gives a message that says what to do instead of a stack trace.</summary>
internal static class PortCheck
{
    public static IEnumerable<string> Problems(GatewayOptions o)
    {
        if (o.Broker.Mode == BrokerMode.Embedded && !IsFree(o.Broker.Host, o.Broker.Port))
            yield return BrokerPortTaken(o.Broker.Host, o.Broker.Port);
        if (!IsFree(o.Http.Host, o.Http.Port))
            yield return HttpPortTaken(o.Http.Host, o.Http.Port);
    }

    public static string BrokerPortTaken(string host, int port) =>
        $"Cannot start the embedded MQTT broker: {host}:{port} is already in use — installing mosquitto from apt " +
        $"starts a system service on 1883; stop it (sudo systemctl stop mosquitto) or set Metering__Broker__Port={Next(port)} " +
        "(or use that broker: Metering__Broker__Mode=External).";

    public static string HttpPortTaken(string host, int port) =>
        $"Cannot start the HTTP API: {host}:{port} is already in use by another program; stop it or set Metering__Http__Port={Next(port)}.";

    /// <summary>Binds and releases the address with SO_REUSEADDR, as Kestrel and the embedded broker
    /// do: a listener holds the port, leftover TIME_WAIT connections of a crashed run do not.</summary>
    internal static bool IsFree(string host, int port)
    {
        var address = IPAddress.Parse(host);
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(1);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return false;
        }
    }

    private static int Next(int port) => port == 65535 ? port - 1 : port + 1;
}
