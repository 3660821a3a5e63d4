// The gateway with a simulated fleet (README.md): the gateway's own host, plus the fleet.
return await Commons.Metering.Gateway.GatewayHost.RunAsync(args, new Commons.Metering.Gateway.Demo.DemoFleet());
