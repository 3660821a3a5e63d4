using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ingest.Confirmations;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Commons.Metering.Gateway.Cluster;

/// <summary>Wires a cluster instance (README.md) when Metering:Cluster:Communities is set: the lease keeper,
/// the ledger fence, and the per-community broker sessions in place of the one external-broker ingest.</summary>
public static class ClusterServices
{
    public static IEnumerable<string> ConfigurationErrors(IConfiguration configuration, GatewayOptions gateway) =>
        ClusterOptions.Bind(configuration).Errors(gateway);

    public static bool Enabled(IConfiguration configuration) => ClusterOptions.Bind(configuration).Enabled;

    /// <summary>In place of the ingest: registers the downlink and confirmation publishers and the lease
    /// keeper as a hosted service (after the ledger writer, so it starts once the ledger is open and
    /// hands its leases back before the ledger closes).</summary>
    public static IServiceCollection AddClusterInstance(this IServiceCollection services, IConfiguration configuration)
    {
        var o = ClusterOptions.Bind(configuration);
        var instance = o.EffectiveInstanceId;
        services.AddSingleton(o);
        services.AddSingleton<HeldLeases>();
        services.AddSingleton<ILedgerFence>(sp => new LeaseFence(sp.GetRequiredService<HeldLeases>(), instance, o.RenewSeconds));
        services.AddSingleton(sp => new LeaseTable(
            NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Storage.ConnectionString!), instance, o.LeaseSeconds));
        services.AddSingleton(sp => new ClusterIngest(sp.GetRequiredService<IngestPipeline>(), sp.GetRequiredService<BrokerHealth>(),
            sp.GetRequiredService<IOptions<GatewayOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(),
            instance, sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<ILeaseListener>(sp => sp.GetRequiredService<ClusterIngest>());
        services.AddSingleton<IDownlinkPublisher>(sp => sp.GetRequiredService<ClusterIngest>());
        services.AddSingleton<IConfirmationPublisher>(sp => sp.GetRequiredService<ClusterIngest>());
        services.AddSingleton(sp => new LeaseKeeper(o, sp.GetRequiredService<LeaseTable>(), sp.GetRequiredService<HeldLeases>(),
            sp.GetServices<ILeaseListener>(),
            () => (sp.GetRequiredService<IStateStore>() as PostgresStateStore)?.ForgetCachedState(),
            o.EffectiveUrl(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Http), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LeaseKeeper>>()));
        services.AddHostedService(sp =>
        {
            sp.GetRequiredService<ClusterIngest>().Started();
            return sp.GetRequiredService<LeaseKeeper>();
        });
        return services;
    }

    /// <summary>The policy runtime as a lease listener instead of a hosted service of its own: it runs
    /// only while this instance owns the policy's community.</summary>
    public static IServiceCollection AddGatedPolicyRuntime<TRuntime>(this IServiceCollection services, Func<IServiceProvider, string> community)
        where TRuntime : class, IHostedService
    {
        services.AddSingleton<ILeaseListener>(sp => new PolicyRuntimeGate(() => community(sp), sp.GetRequiredService<TRuntime>(),
            sp.GetRequiredService<ILogger<PolicyRuntimeGate>>()));
        return services;
    }

    /// <summary>On a cluster instance that does not hold <paramref name="community"/>'s lease: that lease's row
    /// (its holder and URL, or no holder right now), for an answer that says where to ask. Null when this
    /// instance owns the community or is no cluster instance.</summary>
    public static async Task<LeaseRow?> OwnedElsewhereAsync(IServiceProvider services, string community, CancellationToken ct)
    {
        if (services.GetService<HeldLeases>() is not { } held || held.Holds(community)) return null;
        var leases = await services.GetRequiredService<LeaseTable>().ListAsync(ct).ConfigureAwait(false);
        return leases.FirstOrDefault(l => l.Community == community) ?? new LeaseRow(community, null, 0, DateTimeOffset.MinValue, null, false);
    }

    /// <summary>The cluster's state for GET /api/v1/cluster: this instance, what it holds, every lease row.</summary>
    public static async Task<ClusterStatus> StatusAsync(IServiceProvider services, CancellationToken ct)
    {
        var o = services.GetRequiredService<ClusterOptions>();
        var held = services.GetRequiredService<HeldLeases>().Snapshot;
        var leases = await services.GetRequiredService<LeaseTable>().ListAsync(ct).ConfigureAwait(false);
        return new ClusterStatus(o.EffectiveInstanceId, o.EffectiveUrl(services.GetRequiredService<IOptions<GatewayOptions>>().Value.Http),
            held.Keys.Order(StringComparer.Ordinal).ToList(), services.GetRequiredService<ClusterIngest>().Sessions, leases);
    }
}

/// <summary>What GET /api/v1/cluster answers.</summary>
public sealed record ClusterStatus(string Instance, string Url, IReadOnlyList<string> Owned, IReadOnlyList<string> Sessions, IReadOnlyList<LeaseRow> Leases);
