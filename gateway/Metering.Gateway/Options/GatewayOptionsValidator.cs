using System.Net;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Options;

/// <summary>Checks the options at start (ValidateOnStart). Every message names the setting both as
/// a configuration key and as the environment variable that sets it.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <summary>Demo fleets above this size belong in tools/Metering.Bench, not in a demo.</summary>
    internal const int MaxSimulatedMeters = 10_000;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = Errors(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static IEnumerable<string> Errors(GatewayOptions o)
    {
        // Broker:Port 0 = the plain listener off, allowed only when the embedded broker has TLS.
        if (!(o.Broker.Port == 0 && o.Broker.Mode == BrokerMode.Embedded && o.Broker.Tls.Enabled))
            foreach (var e in Port("Broker:Port", o.Broker.Port)) yield return e;
        foreach (var e in TlsErrors(o)) yield return e;
        foreach (var e in Port("Http:Port", o.Http.Port)) yield return e;
        if (string.IsNullOrWhiteSpace(o.Broker.Host))
            yield return Field("Broker:Host", "must not be empty", o.Broker.Host);
        else if (o.Broker.Mode == BrokerMode.Embedded && !IPAddress.TryParse(o.Broker.Host, out _))
            yield return Field("Broker:Host", "must be an IP address to bind the embedded broker to (e.g. 127.0.0.1)", o.Broker.Host);
        if (!IPAddress.TryParse(o.Http.Host, out _))
            yield return Field("Http:Host", "must be an IP address to bind the HTTP API to (e.g. 127.0.0.1)", o.Http.Host);
        if (!string.IsNullOrWhiteSpace(o.Broker.Servers))
        {
            if (o.Broker.Mode != BrokerMode.External)
                yield return Field("Broker:Servers", "applies to External mode only (the embedded broker listens on Broker:Host and Broker:Port)", o.Broker.Servers);
            else if (!BrokerEndpoints.TryParse(o.Broker.Servers, out _, out var why))
                yield return Field("Broker:Servers", $"must be a list 'host1:port1,host2:port2': {why}", o.Broker.Servers);
        }
        if (o.Broker.Mode == BrokerMode.External && string.IsNullOrWhiteSpace(o.Broker.ClientId))
            yield return Field("Broker:ClientId", "must not be empty in External mode (the persistent session is keyed by it)", o.Broker.ClientId);
        if (o.Broker.Mode == BrokerMode.External && o.Broker.RequireAuthentication == true)
            yield return Field("Broker:RequireAuthentication", "applies to the embedded broker only; for an external broker use the password and ACL files of `metering broker credentials`", o.Broker.RequireAuthentication);
        foreach (var e in BrokerExposure(o)) yield return e;
        if (o.Broker.ReconnectMinDelayMs < 1)
            yield return Field("Broker:ReconnectMinDelayMs", "must be at least 1", o.Broker.ReconnectMinDelayMs);
        if (o.Broker.ReconnectMaxDelayMs < o.Broker.ReconnectMinDelayMs)
            yield return Field("Broker:ReconnectMaxDelayMs", "must be at least Broker:ReconnectMinDelayMs", o.Broker.ReconnectMaxDelayMs);
        if (!(o.Broker.RateLimitPerMeterPerSecond >= 0) || double.IsInfinity(o.Broker.RateLimitPerMeterPerSecond))
            yield return Field("Broker:RateLimitPerMeterPerSecond", "must be a finite number, at least 0 (0 turns the limit off)", o.Broker.RateLimitPerMeterPerSecond);
        if (o.Broker.RateLimitBurst < 0)
            yield return Field("Broker:RateLimitBurst", "must be at least 0 (0 turns the limit off)", o.Broker.RateLimitBurst);
        if (o.Broker.WatchdogIntervalMs < 0 || o.Broker.WatchdogTimeoutMs < 0 || (o.Broker.WatchdogIntervalMs > 0 && o.Broker.WatchdogTimeoutMs <= o.Broker.WatchdogIntervalMs))
            yield return Field("Broker:WatchdogTimeoutMs", "must be above Broker:WatchdogIntervalMs (both 0 or more; an interval of 0 turns the watchdog off)", o.Broker.WatchdogTimeoutMs);
        if (string.IsNullOrWhiteSpace(o.Storage.DataDirectory))
            yield return Field("Storage:DataDirectory", "must not be empty", o.Storage.DataDirectory);
        foreach (var e in StorageValidation.Errors(o.Storage)) yield return e;
        if (o.Ledger.MaxBatchSize is < 1 or > 10_000)
            yield return Field("Ledger:MaxBatchSize", "must be between 1 and 10000", o.Ledger.MaxBatchSize);
        if (o.Ledger.QueueCapacity < o.Ledger.MaxBatchSize)
            yield return Field("Ledger:QueueCapacity", "must be at least Ledger:MaxBatchSize", o.Ledger.QueueCapacity);
        if (o.Demo.SimulatedMeters is < 0 or > MaxSimulatedMeters)
            yield return Field("Demo:SimulatedMeters", $"must be between 0 and {MaxSimulatedMeters}", o.Demo.SimulatedMeters);
        if (o.Policy.Configured && !File.Exists(o.Policy.File))
            yield return Field("Policy:File", $"must name an existing file (looked for {Path.GetFullPath(o.Policy.File)})", o.Policy.File);
    }

    /// <summary>Safe defaults: an embedded broker without authentication only on loopback, unless the
    /// operator says "I know" (Broker:AllowAnonymousOnNetwork); the simulated fleet connects without
    /// credentials, so it needs authentication off; a packet limit that lets a reading through.</summary>
    private static IEnumerable<string> BrokerExposure(GatewayOptions o)
    {
        if (o.Broker.Mode != BrokerMode.Embedded) yield break;
        if (o.Broker.MaxPacketBytes is < MinPacketBytes or > MaxPacketBytes)
            yield return Field("Broker:MaxPacketBytes", $"must be between {MinPacketBytes} and {MaxPacketBytes}", o.Broker.MaxPacketBytes);
        if (!o.Broker.AuthenticationRequired && !o.Broker.AllowAnonymousOnNetwork
            && IPAddress.TryParse(o.Broker.Host, out var address) && !IPAddress.IsLoopback(address))
            yield return Field("Broker:Host", "is not a loopback address while Broker:RequireAuthentication is false: anyone on that network " +
                "could publish as any meter and command every device. Provision the devices and turn authentication on, or, for a closed " +
                "test network only, set Broker:AllowAnonymousOnNetwork=true (Metering__Broker__AllowAnonymousOnNetwork)", o.Broker.Host);
        if (o.Demo.SimulatedMeters > 0 && o.Broker.AuthenticationRequired)
            yield return Field("Demo:SimulatedMeters", "needs Broker:RequireAuthentication=false (the simulated fleet connects without credentials; " +
                "`--demo` sets it), set Metering__Broker__RequireAuthentication=false", o.Demo.SimulatedMeters);
    }

    /// <summary>Bounds of Broker:MaxPacketBytes: an uplink of PayloadDecoder.MaxPayloadBytes with its topic
    /// and headers fits in 2 KiB; above 16 MiB the limit no longer protects a small gateway's memory.</summary>
    internal const int MinPacketBytes = 2_048;
    internal const int MaxPacketBytes = 16 * 1024 * 1024;

    private static IEnumerable<string> TlsErrors(GatewayOptions o)
    {
        var t = o.Broker.Tls;
        if (o.Broker.AuthFailureDelayMs < 0)
            yield return Field("Broker:AuthFailureDelayMs", "must be at least 0 (0 turns the slowing off)", o.Broker.AuthFailureDelayMs);
        if (o.Broker.AuthFailureMaxDelayMs < o.Broker.AuthFailureDelayMs || o.Broker.AuthFailureMaxDelayMs > 60_000)
            yield return Field("Broker:AuthFailureMaxDelayMs", "must be between Broker:AuthFailureDelayMs and 60000", o.Broker.AuthFailureMaxDelayMs);
        if (t.Port == 0) yield break;
        foreach (var e in Port("Broker:Tls:Port", t.Port)) yield return e;
        if (o.Broker.Mode != BrokerMode.Embedded)
        {
            yield return Field("Broker:Tls:Port", "applies to the embedded broker only; an external broker has its own TLS listener", t.Port);
            yield break;
        }
        if (t.Port == o.Broker.Port)
            yield return Field("Broker:Tls:Port", "must differ from Broker:Port (set Broker:Port to 0 to turn the plain listener off)", t.Port);
        if (string.IsNullOrWhiteSpace(t.CertificateFile))
        {
            yield return Field("Broker:Tls:CertificateFile", "must name the listener's certificate (PEM, with Broker:Tls:KeyFile, or PKCS#12)", t.CertificateFile);
            yield break;
        }
        var problem = Options.BrokerCertificate.Problem(t);
        if (problem is not null) yield return Field("Broker:Tls:CertificateFile", problem, t.CertificateFile);
    }

    private static IEnumerable<string> Port(string key, int port)
    {
        if (port is < 1 or > 65535) yield return Field(key, "must be between 1 and 65535", port);
    }

    internal static string Field(string key, string rule, object? value) =>
        $"{GatewayDefaults.Section}:{key} {rule} (was '{value}'); set it in appsettings.json or as " +
        $"{GatewayDefaults.Section}__{key.Replace(":", "__", StringComparison.Ordinal)}.";
}
