using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Sinks;

public static class SinkServiceCollectionExtensions
{
    /// <summary>Registers the Metering:Influx options (validated at start), the sink writer chosen
    /// by Kind, the hosted drain service, <see cref="ISinkStatus"/> and the rows the ledger writes into the
    /// outbox (<see cref="Ledger.ISinkRows"/>). The outbox lives in
    /// {Metering:Storage:DataDirectory}/metering.db.</summary>
    public static IServiceCollection AddMeteringSinks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<InfluxOptions>()
            .Bind(configuration.GetSection(SinkConstants.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InfluxOptions>, InfluxOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        // The gateway registers its storage provider's outbox first; alone, the sinks use SQLite.
        services.TryAddSingleton<ISinkOutbox>(_ => new Sqlite.SqliteSinkOutbox(DatabasePath(configuration)));
        services.TryAddSingleton<SinkSet>();
        // The ledger tells the drain loops when it committed readings (Sinks/SinkOutboxSignal.cs).
        services.TryAddSingleton<SinkOutboxSignal>();
        services.AddSingleton<Ledger.ILedgerObserver>(sp => sp.GetRequiredService<SinkOutboxSignal>());
        services.TryAddSingleton<ISinkStatus>(sp => sp.GetRequiredService<SinkSet>());
        // The rows the ledger appends to sink_outbox in its own transaction, in InfluxDB line protocol.
        services.TryAddSingleton<Ledger.ISinkRows, InfluxSinkRows>();
        services.AddHostedService<SinkDrainService>();
        return services;
    }

    internal static string DatabasePath(IConfiguration configuration)
    {
        var dir = configuration[SinkConstants.DataDirectoryKey];
        if (string.IsNullOrWhiteSpace(dir)) dir = SinkConstants.FallbackDataDirectory;
        return Path.Combine(dir, SinkConstants.DatabaseFileName);
    }
}
