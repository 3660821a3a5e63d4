// Commons Metering gateway: ingest -> ledger -> (policy, actuation) -> sinks -> HTTP API.
// See README.md for configuration, GatewayHost for the exit codes.
return await Commons.Metering.Gateway.GatewayHost.RunAsync(args);
