using System.CommandLine;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Cli;

/// <summary><c>commission check</c>: the device round trip through the gateway (default), the uplink as the device
/// (--as-device), or the old direct-broker ping (--via-broker).</summary>
internal static class CommissionCommand
{
    public const string PasswordVariable = "METERING_MQTT_PASSWORD";
    public const string GatewayPasswordVariable = "METERING_GATEWAY_PASSWORD";

    public static Command Create()
    {
        var gateway = new Option<string?>("--gateway") { Description = "Gateway HTTP API, e.g. http://127.0.0.1:8080 (its token: $" + GatewayClient.TokenVariable + "; not needed with --via-broker)" };
        var community = new Option<string>("--community") { Description = "Community id", Required = true };
        var meter = new Option<string>("--meter") { Description = "Meter id (also the client id)", Required = true };
        var timeout = new Option<int>("--timeout-s") { Description = "How long to wait for the device's ack (--as-device: for the gateway to show the reading)", DefaultValueFactory = _ => 30 };
        var asDevice = new Option<bool>("--as-device")
        {
            Description = "Instead: before the device is powered, connect AS the device with its credentials (--broker, --password), publish one reading " +
                          "that changes no usage and wait until the gateway shows it (uplink only; takes over the device's session)",
        };
        var viaBroker = new Option<bool>("--via-broker")
        {
            Description = "Fallback for a gateway without the ping endpoint: send the ping directly over the broker as the gateway's MQTT account (--broker, --gateway-user)",
        };
        var broker = new Option<string?>("--broker") { Description = "Broker as host:port (--as-device and --via-broker only)" };
        var user = new Option<string?>("--user") { Description = "--as-device: MQTT user name (default: the meter id)" };
        var password = new Option<string?>("--password") { Description = $"--as-device: MQTT password (better: ${PasswordVariable}, kept out of the shell history)" };
        var channel = new Option<string>("--channel") { Description = "--as-device: channel of the test reading when the meter has none yet", DefaultValueFactory = _ => "main" };
        var gatewayUser = new Option<string>("--gateway-user") { Description = "--via-broker: the gateway's broker account", DefaultValueFactory = _ => "metering-gateway" };
        var gatewayPassword = new Option<string?>("--gateway-password") { Description = $"--via-broker: its password (better: ${GatewayPasswordVariable})" };

        var check = new Command("check", "Proves the round trip with the device online: the gateway sends it a ping through its broker connection " +
                                         "(POST /api/v1/meters/{id}/ping) and reports the device's ack. --as-device checks the uplink before the device is powered.")
        {
            gateway, community, meter, timeout, asDevice, viaBroker, broker, user, password, channel, gatewayUser, gatewayPassword,
        };
        check.SetAction(async (r, cancel) =>
        {
            var id = r.GetValue(meter)!;
            var comm = r.GetValue(community)!;
            if (!WireIds.IsId(id) || !WireIds.IsId(comm)) return ProvisionCommand.Fail(ExitCodes.Usage, "--meter and --community must match ^[a-z0-9][a-z0-9_-]{0,47}$");
            if (r.GetValue(timeout) is < 1 or > 3600) return ProvisionCommand.Fail(ExitCodes.Usage, "--timeout-s must be 1..3600");
            var wait = TimeSpan.FromSeconds(r.GetValue(timeout));
            if (r.GetValue(asDevice) && r.GetValue(viaBroker)) return ProvisionCommand.Fail(ExitCodes.Usage, "--as-device and --via-broker exclude each other");
            Endpoint endpoint = default;
            if ((r.GetValue(asDevice) || r.GetValue(viaBroker)) && !Endpoint.TryParse(r.GetValue(broker), out endpoint))
                return ProvisionCommand.Fail(ExitCodes.Usage, "--broker must be host:port (needed with --as-device and --via-broker)");
            if (r.GetValue(viaBroker))
            {
                return await CommissionPing.RunAsync(new CommissionPing.Settings(endpoint, r.GetValue(gatewayUser)!,
                    r.GetValue(gatewayPassword) ?? Environment.GetEnvironmentVariable(GatewayPasswordVariable), comm, id, wait), cancel);
            }
            if (!Endpoint.TryParseUrl(r.GetValue(gateway), out var url)) return ProvisionCommand.Fail(ExitCodes.Usage, "--gateway must be an http(s) URL, e.g. http://127.0.0.1:8080");
            if (!r.GetValue(asDevice)) return await CommissionGatewayPing.RunAsync(new CommissionGatewayPing.Settings(url, comm, id, wait), cancel);
            if (!WireIds.IsChannelName(r.GetValue(channel)!)) return ProvisionCommand.Fail(ExitCodes.Usage, "--channel must match ^[a-z0-9][a-z0-9_]{0,31}$");
            var options = new CommissionCheck.Settings(endpoint, r.GetValue(user) ?? id,
                r.GetValue(password) ?? Environment.GetEnvironmentVariable(PasswordVariable), comm, id, url, r.GetValue(channel)!, wait);
            return await CommissionCheck.RunAsync(options, cancel);
        });
        return new Command("commission", "Commissioning checks") { check };
    }
}
