using System.Net;
using Commons.Metering.Gateway.Dashboard;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway;

/// <summary>Builds and runs the gateway; turns the expected start failures (invalid configuration,
/// a port in use) into one clear message and an exit code, without a stack trace.</summary>
public static class GatewayHost
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitInvalidConfiguration = 2;
    public const int ExitPortInUse = 3;

    /// <summary>Meters the <c>--demo</c> switch simulates unless Metering:Demo:SimulatedMeters says otherwise.</summary>
    public const int DemoMeters = 30;

    /// <summary>The command that runs the gateway with a simulated fleet (gateway/Metering.Gateway.Demo).</summary>
    public const string DemoCommand = "dotnet run --project gateway/Metering.Gateway.Demo";

    /// <summary>The gateway as it ships: no simulated fleet; <c>--demo</c> and Metering:Demo:SimulatedMeters
    /// are refused with the command that runs them.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, demoFleet: null);

    /// <param name="demoFleet">the simulated fleet (gateway/Metering.Gateway.Demo), or null.</param>
    public static async Task<int> RunAsync(string[] args, IDemoFleet? demoFleet)
    {
        if (args.Contains("--version"))
        {
            Console.WriteLine(Hosting.GatewayVersion.Informational);
            return ExitOk;
        }
        PrivateFiles.Apply();
        // `--demo` is short for --Metering:Demo:SimulatedMeters=30 with demo accounts and a generated
        // policy; the demo program implies it unless a fleet size above 0 is set (then only the fleet runs).
        var demoSwitch = args.Contains("--demo");
        args = args.Where(a => a != "--demo").ToArray();
        // appsettings.json beside the dll, whatever the working directory (./data stays relative to it).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var fleetSized = int.TryParse(builder.Configuration["Metering:Demo:SimulatedMeters"], out var meters) && meters > 0;
        if (demoFleet is null && (demoSwitch || fleetSized))
            return Fail(ExitInvalidConfiguration, (demoSwitch ? "--demo" : "Metering:Demo:SimulatedMeters") +
                " needs the simulated fleet, which is not part of this gateway (it ships without the GPIO packages the fleet runs on): run `" + DemoCommand + "`");
        var demo = demoFleet is not null && (demoSwitch || !fleetSized);
        if (demo && builder.Configuration["Metering:Demo:SimulatedMeters"] is null or "0")
            builder.Configuration["Metering:Demo:SimulatedMeters"] = DemoMeters.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (demo && builder.Configuration["Metering:Auth:DemoAccounts"] is null) builder.Configuration["Metering:Auth:DemoAccounts"] = "true";
        // Under systemd (stdout is the journal): one line per entry with a syslog priority prefix, so
        // `journalctl -p err` finds errors.
        if (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null) builder.Logging.AddSystemdConsole();
        // The simulated fleet connects without credentials, on loopback only (GatewayOptionsValidator refuses anything else).
        if (demo && builder.Configuration["Metering:Broker:RequireAuthentication"] is null) builder.Configuration["Metering:Broker:RequireAuthentication"] = "false";
        GatewayOptions options;
        try
        {
            options = builder.Configuration.GetSection(GatewayDefaults.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key: "Failed to convert configuration value at 'Metering:Broker:Port' to type 'System.Int32'".
            return Fail(ExitInvalidConfiguration, "Invalid configuration: " + e.Message);
        }
        var errors = GatewayOptionsValidator.Errors(options).ToList();
        errors.AddRange(Auth.AuthServices.ConfigurationErrors(builder.Configuration));
        errors.AddRange(Backup.BackupOptions.Bind(builder.Configuration).Errors(options.Storage.DataDirectory));
        if (errors.Count == 0 && BrokerAccounts.BrokerAuthorizer.StartProblem(options) is { } noAccounts) errors.Add(noAccounts);
        errors.AddRange(Region.RegionServices.ConfigurationErrors(builder.Configuration, options.Policy.Configured || demo));
        errors.AddRange(Cluster.ClusterServices.ConfigurationErrors(builder.Configuration, options));
        if (errors.Count > 0) return Fail(ExitInvalidConfiguration, "Invalid configuration:\n  " + string.Join("\n  ", errors));
        var taken = PortCheck.Problems(options).ToList();
        if (taken.Count > 0) return Fail(ExitPortInUse, string.Join("\n", taken));

        // --demo without a policy file: the simulated fleet's own policy, so the dashboard has
        // households, allowances and a council to show (gateway/Metering.Gateway.Demo/DemoPolicy.cs).
        if (demo && !options.Policy.Configured && options.Demo.SimulatedMeters > 0)
        {
            options.Policy.File = demoFleet!.WritePolicy(options);
            builder.Configuration["Metering:Policy:File"] = options.Policy.File;
        }
        var policy = new Policy.PolicyStore();
        if (options.Policy.Configured && policy.TryLoad(options.Policy.File) is { Ok: false } loaded)
            return Fail(ExitInvalidConfiguration, $"Invalid policy file {Path.GetFullPath(options.Policy.File)} (Metering:Policy:File):\n  " + string.Join("\n  ", loaded.Errors));
        builder.Services.AddSingleton(policy);
        builder.Services.AddMeteringGateway(builder.Configuration);
        if (demoFleet is not null && options.Demo.SimulatedMeters > 0) demoFleet.AddServices(builder.Services, options);
        // The executable only: READY, the watchdog and STOPPING when systemd runs it as a Type=notify unit (packaging/README.md).
        builder.Services.AddHostedService<Hosting.SystemdNotify>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.Http.Host), options.Http.Port));
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        string dashboard;
        try { dashboard = app.MapGatewayEndpoints($"http://{options.Http.Host}:{options.Http.Port}"); }
        catch (Auth.AccountsFileException e) { return Fail(ExitInvalidConfiguration, e.Message); }
        app.Logger.LogInformation("Commons Metering gateway {Version}", Hosting.GatewayVersion.Informational);
        app.Logger.LogInformation("{Configuration}", EffectiveConfiguration.Describe(options, builder.Configuration));
        app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(WhereToLook(options, builder.Configuration, dashboard, demoFleet)));
        try
        {
            await app.RunAsync();
            return ExitOk;
        }
        catch (OptionsValidationException e)
        {
            return Fail(ExitInvalidConfiguration, "Invalid configuration:\n  " + string.Join("\n  ", e.Failures));
        }
        catch (Exception e) when (IsAddressInUse(e))
        {
            // Lost a race with another program after PortCheck.
            return Fail(ExitPortInUse, PortCheck.BrokerPortTaken(options.Broker.Host, options.Broker.Port) + "\nor: " +
                PortCheck.HttpPortTaken(options.Http.Host, options.Http.Port));
        }
    }

    /// <summary>Every HTTP surface of the gateway (Http/Endpoints.cs), so an in-process test host serves
    /// what the gateway serves. Returns the dashboard's lines for the start-up message.</summary>
    public static string MapGatewayEndpoints(this WebApplication app, string baseUrl) => Endpoints.MapAll(app, baseUrl);

        private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is AddressInUseException) return true;
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse }) return true;
        }
        return false;
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine(message);
        return code;
    }

    private static string WhereToLook(GatewayOptions o, IConfiguration configuration, string dashboard, IDemoFleet? demoFleet)
    {
        var http = $"http://{o.Http.Host}:{o.Http.Port}";
        var simulated = configuration.GetValue<int>("Metering:Demo:SimulatedMeters");
        var broker = o.Broker.Mode == BrokerMode.Embedded ? $"embedded MQTT broker on {o.Broker.Host}:{o.Broker.Port}" : $"external MQTT broker {string.Join(",", BrokerEndpoints.Of(o.Broker))}";
        var demo = simulated > 0 && demoFleet is not null ? $"  {simulated} simulated meters publish a reading every {demoFleet.ReadingIntervalMs / 1000} s.\n" : "";
        return $"\nCommons Metering gateway {Hosting.GatewayVersion.Informational} is running (" + broker + ", state in " + Path.GetFullPath(o.Storage.DataDirectory) + ").\n" +
            $"  meters and their registers: {http}/api/v1/meters\n" +
            $"  usage of one meter:         {http}/api/v1/meters/METER_ID/usage?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z\n" +
            $"  metrics (Prometheus):       {http}/metrics\n" +
            $"  health:                     {http}/healthz\n" +
            dashboard + demo + "  Press Ctrl+C to stop.\n";
    }
}
