using Commons.Metering.Testing.Servers;

namespace Commons.Metering.Tests.Mqtt;

/// <summary>Starts the shared real mosquitto launcher (Metering.Testing); fails, never skips,
/// when the binary is missing.</summary>
internal static class Broker
{
    public static Mosquitto Start()
    {
        var broker = new Mosquitto();
        try
        {
            broker.Start();
            return broker;
        }
        catch
        {
            broker.Dispose();
            throw;
        }
    }
}
