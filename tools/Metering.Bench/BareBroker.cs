using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Options;
using MQTTnet.Server;

namespace Commons.Metering.Bench;

/// <summary>`broker`: the gateway's embedded broker (MQTTnet.Server, with the options the gateway
/// gives it) and nothing else: no interceptor, no ledger, so every uplink is routed to whoever
/// subscribed. `e2e` runs it as a process of its own, like the gateway, for the embedded broker's
/// broker-only delivery rate. Runs until SIGTERM or Ctrl+C.</summary>
internal static class BareBroker
{
    public static async Task<int> RunAsync(int port, TextWriter log, CancellationToken cancel)
    {
        var factory = new MqttServerFactory();
        var options = EmbeddedBrokerIngest.ServerOptions(factory, new BrokerOptions { Host = "127.0.0.1", Port = port }, certificate: null);
        // The one change: MQTTnet queues at most 250 messages for a subscriber by default and then
        // drops the oldest (MqttServerOptions.MaxPendingMessagesPerClient), and one subscriber takes
        // what 100 publishers send; a delivery rate is only a rate if every message arrives. (The
        // gateway routes uplinks to subscribers only when an operator's client asks for them.)
        options.MaxPendingMessagesPerClient = int.MaxValue;
        using var server = factory.CreateMqttServer(options);
        await server.StartAsync();
        log.WriteLine($"embedded broker alone listening on 127.0.0.1:{port}");
        try { await Task.Delay(Timeout.Infinite, cancel); }
        catch (OperationCanceledException) { /* asked to stop */ }
        await server.StopAsync();
        return 0;
    }
}
