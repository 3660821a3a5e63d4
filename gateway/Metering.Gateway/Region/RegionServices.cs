using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Region;

/// <summary>Wires the regional tier: the region's side when Metering:Region:Id is set, the community's
/// upward link when Metering:Upstream:Url is set (both may be, for a region that is itself a member).</summary>
public static class RegionServices
{
    /// <summary>Upward requests time out after 30 s: a report is a few hundred bytes, so a slower answer
    /// means a broken link, and the report is sent again.</summary>
    private static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(30);

    public static IEnumerable<string> ConfigurationErrors(IConfiguration configuration, bool policyConfigured) =>
        RegionOptions.Bind(configuration).Errors().Concat(UpstreamOptions.Bind(configuration).Errors(policyConfigured));

    public static IServiceCollection AddRegionalTier(this IServiceCollection services, IConfiguration configuration)
    {
        var region = RegionOptions.Bind(configuration);
        if (region.Configured)
        {
            services.AddSingleton(region);
            services.AddSingleton(sp => new RegionLedger(region.StatePath(DataDirectory(sp))));
            services.AddSingleton(sp => new RegionService(region, sp.GetRequiredService<RegionLedger>(),
                new AuditLog(region.AuditPath(DataDirectory(sp)), sp.GetRequiredService<TimeProvider>()), sp.GetRequiredService<TimeProvider>()));
            if (region.Mqtt.Configured)
                services.AddHostedService(sp => new RegionMqttListener(region, sp.GetRequiredService<RegionService>(),
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RegionMqttListener>>()));
        }
        var upstream = UpstreamOptions.Bind(configuration);
        if (upstream.Configured)
        {
            services.AddSingleton(upstream);
            services.AddSingleton(sp => new UpstreamOutbox(upstream.StatePath(DataDirectory(sp))));
            services.AddSingleton(sp => new UpstreamReporter(upstream, sp.GetRequiredService<UpstreamOutbox>(), sp.GetRequiredService<PolicyStore>(),
                sp.GetRequiredService<PolicyRuntime.ICommonsRuntime>(), sp.GetRequiredService<PolicyRuntime.CommonsRuntime>(),
                upstream.OverMqtt
                    ? (IUpstreamTransport)new MqttUpstreamTransport(upstream, sp.GetRequiredService<TimeProvider>())
                    : new HttpUpstreamTransport(upstream, new HttpClient { Timeout = UpstreamTimeout }),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<UpstreamReporter>>(), sp.GetRequiredService<PolicyRuntime.CommonsRuntime>()));
            services.AddHostedService(sp => sp.GetRequiredService<UpstreamReporter>());
        }
        return services;
    }

    private static string DataDirectory(IServiceProvider sp) => sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Storage.DataDirectory;
}
