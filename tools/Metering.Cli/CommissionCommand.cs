using System.CommandLine;

namespace Commons.Metering.Cli;

/// <summary><c>commission check</c>: connects as the device would and proves the uplink reaches the ledger.</summary>
internal static class CommissionCommand
{
    public const string PasswordVariable = "METERING_MQTT_PASSWORD";
    public const string GatewayPasswordVariable = "METERING_GATEWAY_PASSWORD";

    public static Command Create()
    {
        var broker = new Option<string>("--broker") { Description = "Broker as host:port", Required = true };
        var user = new Option<string?>("--user") { Description = "MQTT user name (default: the meter id)" };
        var password = new Option<string?>("--password") { Description = $"MQTT password (better: ${PasswordVariable}, kept out of the shell history)" };
        var community = new Option<string>("--community") { Description = "Community id", Required = true };
        var meter = new Option<string>("--meter") { Description = "Meter id (also the client id)", Required = true };
        var gateway = new Option<string?>("--gateway") { Description = "Gateway HTTP API, e.g. http://127.0.0.1:8080 (not needed with --ping)" };
        var channel = new Option<string>("--channel") { Description = "Channel of the test reading when the meter has none yet", DefaultValueFactory = _ => "main" };
        var timeout = new Option<int>("--timeout-s") { Description = "How long to wait for the gateway to show the reading (or for the ping's ack)", DefaultValueFactory = _ => 30 };
        var ping = new Option<bool>("--ping")
        {
            Description = "Instead: with the real device online, send it a ping command as the gateway account and wait for its ack (downlink round trip)",
        };
        var gatewayUser = new Option<string>("--gateway-user") { Description = "Gateway broker account for --ping", DefaultValueFactory = _ => "metering-gateway" };
        var gatewayPassword = new Option<string?>("--gateway-password") { Description = $"Its password (better: ${GatewayPasswordVariable})" };

        var check = new Command("check", "Connects as the device (client id = meter id, its credentials, QoS 1), checks it may subscribe to its downlinks, " +
                                         "publishes one reading that changes no usage, and waits until the gateway's /api/v1/meters shows it.")
        {
            broker, user, password, community, meter, gateway, channel, timeout, ping, gatewayUser, gatewayPassword,
        };
        check.SetAction(async (r, cancel) =>
        {
            if (!Endpoint.TryParse(r.GetValue(broker), out var endpoint)) return ProvisionCommand.Fail(ExitCodes.Usage, "--broker must be host:port");
            var id = r.GetValue(meter)!;
            var comm = r.GetValue(community)!;
            if (!Ids.IsId(id) || !Ids.IsId(comm)) return ProvisionCommand.Fail(ExitCodes.Usage, "--meter and --community must match ^[a-z0-9][a-z0-9_-]{0,47}$");
            if (!Ids.Channel().IsMatch(r.GetValue(channel)!)) return ProvisionCommand.Fail(ExitCodes.Usage, "--channel must match ^[a-z0-9][a-z0-9_]{0,31}$");
            if (r.GetValue(timeout) is < 1 or > 3600) return ProvisionCommand.Fail(ExitCodes.Usage, "--timeout-s must be 1..3600");
            if (r.GetValue(ping))
            {
                return await CommissionPing.RunAsync(new CommissionPing.Settings(endpoint, r.GetValue(gatewayUser)!,
                    r.GetValue(gatewayPassword) ?? Environment.GetEnvironmentVariable(GatewayPasswordVariable), comm, id,
                    TimeSpan.FromSeconds(r.GetValue(timeout))), cancel);
            }
            if (!Endpoint.TryParseUrl(r.GetValue(gateway), out var url)) return ProvisionCommand.Fail(ExitCodes.Usage, "--gateway must be an http(s) URL, e.g. http://127.0.0.1:8080");
            var options = new CommissionCheck.Settings(endpoint, r.GetValue(user) ?? id,
                r.GetValue(password) ?? Environment.GetEnvironmentVariable(PasswordVariable), comm, id, url,
                r.GetValue(channel)!, TimeSpan.FromSeconds(r.GetValue(timeout)));
            return await CommissionCheck.RunAsync(options, cancel);
        });
        return new Command("commission", "Commissioning checks") { check };
    }
}
