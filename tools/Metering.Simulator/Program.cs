using System.CommandLine;
using System.Runtime.InteropServices;
using Commons.Metering.Simulator;

// Commons Metering simulator: the real firmware core on this host, many times over.
var root = new RootCommand("Commons Metering simulator: runs the real firmware core as a fleet of simulated meters, replays a real dataset through it, or runs one meter on this board, over MQTT.")
{
    FleetCommand.Create(),
    ReplayCommand.Create(),
    DeviceCommand.Create(),
};

// Ctrl+C and SIGTERM ask the running command to stop cleanly (final readings, drain, persist);
// the command decides its exit code, so System.CommandLine's own termination handling is off.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);
