using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.PolicyRuntime;

public static class CommonsServices
{
    /// <summary>The policy runtime (PolicyRuntime/README.md): the ledger observer, the runtime as ICommonsRuntime
    /// and as a hosted service started after the ledger and the ingest. Only with a policy file. Not
    /// <paramref name="hosted"/>: whoever registers it starts and stops it (a cluster instance, while it
    /// owns the policy's community: Cluster/PolicyRuntimeGate.cs).</summary>
    public static IServiceCollection AddCommonsRuntime(this IServiceCollection services, IConfiguration configuration, bool hosted = true)
    {
        var options = CommonsOptions.Bind(configuration);
        // Reported like every other invalid setting: GatewayHost turns it into exit code 2 at start.
        if (options.Errors().ToList() is { Count: > 0 } errors)
        {
            services.AddSingleton<IValidateOptions<GatewayOptions>>(new FailingValidation(errors));
            return services;
        }
        services.AddSingleton(new CommitFeed(options));
        services.AddSingleton<ILedgerObserver>(sp => sp.GetRequiredService<CommitFeed>());
        services.AddSingleton(sp => new CommonsRuntime(sp.GetRequiredService<PolicyStore>(), sp.GetRequiredService<IStateStore>(),
            sp.GetRequiredService<IDownlinkPublisher>(), sp.GetRequiredService<CommitFeed>(), options,
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Storage.DataDirectory, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CommonsRuntime>>(), sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetService<OpenCommonsStore>()));
        services.AddSingleton<ICommonsRuntime>(sp => sp.GetRequiredService<CommonsRuntime>());
        if (hosted) services.AddHostedService(sp => sp.GetRequiredService<CommonsRuntime>());
        return services;
    }

    private sealed class FailingValidation(IReadOnlyList<string> errors) : IValidateOptions<GatewayOptions>
    {
        public ValidateOptionsResult Validate(string? name, GatewayOptions options) => ValidateOptionsResult.Fail(errors);
    }
}
