using System.CommandLine;
using Commons.Metering.Firmware.Host.Mqtt;

namespace Commons.Metering.Simulator;

/// <summary>Options both commands share.</summary>
internal sealed class CommonOptions
{
    public const string PasswordVariable = "METERING_MQTT_PASSWORD";

    public Option<string> Broker { get; } = new("--broker")
    {
        Description = "MQTT broker as host:port, or the nodes of a broker cluster as host:port,host:port,... (each connection attempt takes the next)",
        DefaultValueFactory = _ => "127.0.0.1:1883",
    };

    public Option<string> Community { get; } = new("--community")
    {
        Description = "Community id in the topics (^[a-z0-9][a-z0-9_-]{0,47}$)",
        DefaultValueFactory = _ => "demo",
    };

    public Option<string?> Username { get; } = new("--username")
    {
        Description = $"MQTT user name (the password comes from ${PasswordVariable})",
    };

    public Option<int> Workers { get; } = new("--workers")
    {
        Description = "Threads that step the meters",
        DefaultValueFactory = _ => 2,
    };

    public void AddTo(Command command)
    {
        command.Add(Broker);
        command.Add(Community);
        command.Add(Username);
        command.Add(Workers);
    }

    public MqttBrokerOptions BrokerOptions(ParseResult result) => MqttBrokerOptions.ParseList(result.GetValue(Broker)!) with
    {
        Username = result.GetValue(Username),
        Password = Environment.GetEnvironmentVariable(PasswordVariable),
    };
}
