using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Cluster;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Dashboard;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ingest.Confirmations;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Sinks;
using Commons.Metering.Gateway.Sinks.Sqlite;
using Commons.Metering.Gateway.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway;

/// <summary>Wires the pipeline in the order data flows. Hosted services start in registration order
/// and stop in reverse: the ledger opens first and drains last; the broker stops taking uplinks
/// before the ledger closes.</summary>
public static class GatewayServices
{
    /// <summary>The storage provider's implementation of each seam. A new provider (PostgreSQL) adds its
    /// case here and implements IStateStore, ISinkOutbox and ICommonsStore; nothing above them changes.</summary>
    private static void AddStorage(IServiceCollection services, bool cluster)
    {
        services.AddSingleton<IStateStore>(sp =>
        {
            var o = Storage(sp);
            return o.Provider switch
            {
                StorageProvider.Sqlite => new SqliteStateStore(o.DataDirectory, o.Synchronous),
                StorageProvider.Postgres => new PostgresStateStore(o.ConnectionString!, shared: cluster),
                _ => throw Unsupported(o),
            };
        });
        services.AddSingleton<ISinkOutbox>(sp =>
        {
            var o = Storage(sp);
            return o.Provider switch
            {
                StorageProvider.Sqlite => new SqliteSinkOutbox(Path.Combine(o.DataDirectory, GatewayDefaults.DatabaseFileName)),
                StorageProvider.Postgres => new Sinks.Postgres.PostgresSinkOutbox(o.ConnectionString!),
                _ => throw Unsupported(o),
            };
        });
        services.AddSingleton<OpenCommonsStore>(sp =>
        {
            var o = Storage(sp);
            return o.Provider switch
            {
                StorageProvider.Sqlite => (path, _) => new CommonsDb(path),
                StorageProvider.Postgres => (_, community) => new PolicyRuntime.Postgres.PostgresCommonsStore(o.ConnectionString!, community),
                _ => throw Unsupported(o),
            };
        });

        static StorageOptions Storage(IServiceProvider sp) => sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Storage;
        static NotSupportedException Unsupported(StorageOptions o) => new(
            $"Metering:Storage:Provider '{o.Provider}' is not a storage provider of this gateway (Sqlite or Postgres).");
    }

    public static IServiceCollection AddMeteringGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>()
            .Bind(configuration.GetSection(GatewayDefaults.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        var options = configuration.GetSection(GatewayDefaults.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        // Several instances share the database and the broker, each owning communities by lease (Cluster/README.md).
        var cluster = Cluster.ClusterServices.Enabled(configuration);

        // Storage: one seam per concern (ledger, sink outbox, policy runtime state), all from the
        // configured provider; the ledger's single writer follows.
        AddStorage(services, cluster);
        services.AddSingleton<IGaugeReader>(sp => sp.GetRequiredService<IStateStore>() as IGaugeReader
            ?? throw new NotSupportedException("the state store cannot read gauges"));
        services.AddSingleton<MeterRegistry>();
        // Each feature makes its own meter through IMeterFactory; this one exports them on /metrics.
        services.AddSingleton<MeterExporter>();
        services.Replace(ServiceDescriptor.Singleton<System.Diagnostics.Metrics.IMeterFactory>(sp => sp.GetRequiredService<MeterExporter>()));
        // End-to-end confirmations learn each ledger batch's outcome (Ingest/Confirmations).
        services.AddSingleton<ConfirmationHub>();
        services.AddSingleton<ConfirmationMetrics>();
        services.AddSingleton<ILedgerBatchObserver>(sp => sp.GetRequiredService<ConfirmationHub>());
        services.AddSingleton<LedgerWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<LedgerWriter>());

        // Ingest.
        services.AddSingleton<BrokerHealth>();
        services.AddSingleton(sp => new IngestPipeline(sp.GetRequiredService<MeterRegistry>(), sp.GetRequiredService<LedgerWriter>(),
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<GatewayOptions>>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<IngestPipeline>>(), sp.GetRequiredService<ConfirmationHub>(),
            sp.GetRequiredService<ConfirmationMetrics>()));
        if (cluster) services.AddClusterInstance(configuration);
        else if (options.Broker.Mode == BrokerMode.External) AddIngest<ExternalBrokerIngest>(services);
        else AddIngest<EmbeddedBrokerIngest>(services);
        // After the broker: starts once it listens, stops before it.
        services.AddHostedService<ConfirmationSender>();

        // Policy: read-only so far (the host loads Metering:Policy:File and registers the store first).
        services.TryAddSingleton<Policy.PolicyStore>();
        services.TryAddSingleton<IMeterHouseholds, Policy.PolicyHouseholds>();
        // Commons runtime: the policy acts, only when a policy file is configured (PolicyRuntime/README.md).
        if (options.Policy.Configured) PolicyRuntime.CommonsServices.AddCommonsRuntime(services, configuration, hosted: !cluster);
        // In a cluster the runtime runs only on the owner of the policy's community.
        if (options.Policy.Configured && cluster)
            services.AddGatedPolicyRuntime<PolicyRuntime.CommonsRuntime>(sp => sp.GetRequiredService<Policy.PolicyStore>().Current.Community);
        // Federation (Region/README.md): the region's side and the community's upward link, each only when configured.
        Region.RegionServices.AddRegionalTier(services, configuration);
        // Actuation: the commission ping's ack waiters (Http/CommissionApi.cs), independent of any policy.
        services.AddSingleton<Actuation.AckWaiters>();
        services.AddSingleton<ILedgerObserver>(sp => sp.GetRequiredService<Actuation.AckWaiters>());
        // After a restore: the devices send again what their flash windows hold (Backup/README.md).
        services.AddSingleton(sp => new Backup.RefillAfterRestore(options.Storage.DataDirectory, sp.GetRequiredService<IDownlinkPublisher>,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Backup.RefillAfterRestore>>()));
        services.AddSingleton<ILedgerObserver>(sp => sp.GetRequiredService<Backup.RefillAfterRestore>());
        services.AddHostedService(sp => sp.GetRequiredService<Backup.RefillAfterRestore>());

        // Sinks: drain sink_outbox (filled by the ledger in its own transaction) toward InfluxDB.
        services.AddMeteringSinks(configuration);

        // Backup (Backup/README.md): scheduled copies of the data folder when Backup:Directory is set;
        // the status is there either way, for /healthz and /metrics.
        var backup = Backup.BackupOptions.Bind(configuration);
        services.AddSingleton(backup);
        services.AddSingleton<Backup.BackupStatus>();
        if (backup.Enabled) services.AddHostedService<Backup.BackupService>();

        // Read when /metrics is scraped: the sinks' state and the process (Http/MeteringApi.cs).
        services.AddSingleton(sp => new SinkMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<IStateStore>(), sp.GetService<ISinkStatus>()));
        services.AddSingleton<Hosting.ProcessMetrics>();

        // Http.
        services.AddProblemDetails();
        services.AddMeteringDashboard(configuration);
        return services;
    }

    /// <summary>The ingest is also the way downlinks and confirmations leave: one broker connection for all.</summary>
    private static void AddIngest<T>(IServiceCollection services) where T : class, IHostedService, IDownlinkPublisher, IConfirmationPublisher
    {
        services.AddSingleton<T>();
        services.AddHostedService(sp => sp.GetRequiredService<T>());
        services.AddSingleton<IDownlinkPublisher>(sp => sp.GetRequiredService<T>());
        services.AddSingleton<IConfirmationPublisher>(sp => sp.GetRequiredService<T>());
    }
}
