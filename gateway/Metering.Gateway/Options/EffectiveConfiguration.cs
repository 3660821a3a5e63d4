using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Options;

/// <summary>The effective configuration as one log message (ESPHome's dump_config): the bound options
/// with their defaults, plus every other Metering:* key (e.g. the sinks' settings), secrets masked.</summary>
internal static partial class EffectiveConfiguration
{
    internal const string Mask = "***";

    public static string Describe(GatewayOptions o, IConfiguration configuration)
    {
        var lines = new SortedDictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Broker:Mode"] = o.Broker.Mode.ToString(),
            ["Broker:Host"] = o.Broker.Host,
            ["Broker:Port"] = o.Broker.Port.ToString(),
            ["Broker:Servers"] = o.Broker.Servers,
            ["Broker:ClientId"] = o.Broker.ClientId,
            ["Broker:Username"] = o.Broker.Username,
            ["Broker:Password"] = o.Broker.Password,
            ["Broker:RequireAuthentication"] = o.Broker.AuthenticationRequired.ToString(),
            ["Broker:AllowAnonymousOnNetwork"] = o.Broker.AllowAnonymousOnNetwork.ToString(),
            ["Broker:MaxPacketBytes"] = o.Broker.MaxPacketBytes.ToString(),
            ["Broker:ReconnectMinDelayMs"] = o.Broker.ReconnectMinDelayMs.ToString(),
            ["Broker:ReconnectMaxDelayMs"] = o.Broker.ReconnectMaxDelayMs.ToString(),
            ["Broker:RateLimitPerMeterPerSecond"] = o.Broker.RateLimitPerMeterPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Broker:RateLimitBurst"] = o.Broker.RateLimitBurst.ToString(),
            ["Broker:WatchdogIntervalMs"] = o.Broker.WatchdogIntervalMs.ToString(),
            ["Broker:WatchdogTimeoutMs"] = o.Broker.WatchdogTimeoutMs.ToString(),
            ["Broker:AuthFailureDelayMs"] = o.Broker.AuthFailureDelayMs.ToString(),
            ["Broker:AuthFailureMaxDelayMs"] = o.Broker.AuthFailureMaxDelayMs.ToString(),
            ["Broker:Tls:Port"] = o.Broker.Tls.Port.ToString(),
            ["Broker:Tls:CertificateFile"] = o.Broker.Tls.CertificateFile,
            ["Broker:Tls:KeyFile"] = o.Broker.Tls.KeyFile,
            ["Broker:Tls:Password"] = o.Broker.Tls.Password,
            ["Http:Host"] = o.Http.Host,
            ["Http:Port"] = o.Http.Port.ToString(),
            ["Storage:Provider"] = o.Storage.Provider.ToString(),
            ["Storage:DataDirectory"] = Path.GetFullPath(o.Storage.DataDirectory),
            ["Storage:Synchronous"] = o.Storage.Synchronous.ToString(),
            ["Storage:ConnectionString"] = StorageValidation.ForLog(o.Storage.ConnectionString),
            ["Ledger:MaxBatchSize"] = o.Ledger.MaxBatchSize.ToString(),
            ["Ledger:QueueCapacity"] = o.Ledger.QueueCapacity.ToString(),
            ["Registry:AutoRegister"] = o.Registry.AutoRegister.ToString(),
            ["Influx:Kind"] = o.Influx.Kind,
            ["Demo:SimulatedMeters"] = o.Demo.SimulatedMeters.ToString(),
            ["Policy:File"] = o.Policy.Configured ? Path.GetFullPath(o.Policy.File) : "(none)",
        };
        var section = configuration.GetSection(GatewayDefaults.Section);
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is not null && !lines.ContainsKey(key)) lines[key] = value;
        }

        var sb = new StringBuilder("Effective configuration:");
        foreach (var (key, value) in lines)
        {
            sb.Append("\n  ").Append(GatewayDefaults.Section).Append(':').Append(key).Append(" = ")
              .Append(IsSecret(key) && !string.IsNullOrEmpty(value) ? Mask : value ?? "(unset)");
        }
        return sb.ToString();
    }

    public static bool IsSecret(string key) => SecretKey().IsMatch(key);

    [GeneratedRegex("(password|token|secret|apikey|api_key|credential)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretKey();
}
