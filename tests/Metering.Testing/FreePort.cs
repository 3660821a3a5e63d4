using System.Net;
using System.Net.Sockets;

namespace Commons.Metering.Testing;

/// <summary>Free TCP ports on 127.0.0.1, chosen by the OS.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Handed = new();

    public static int Next()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Handed)
            {
                // The OS may hand the same ephemeral port twice before a server binds it.
                if (Handed.Add(port)) return port;
            }
        }
        throw new InvalidOperationException("no free loopback port found");
    }
}
