using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Dashboard;
using Commons.Metering.Gateway.Region;
using Microsoft.AspNetCore.Builder;

namespace Commons.Metering.Gateway.Http;

/// <summary>The one place that maps the gateway's HTTP surface: the request pipeline (sign-in and its
/// guards), then every feature's endpoints in the order below. The gateway (GatewayHost) and the tests'
/// in-process host both call this, so a test serves exactly what the gateway serves. A new endpoint
/// group gets its Map method here; /openapi/v1.json describes everything mapped after it.</summary>
internal static class Endpoints
{
    public const string OpenApiPath = "/openapi/v1.json";

    /// <summary>Maps every endpoint and creates the configured accounts; returns the dashboard's lines
    /// for the start-up message.</summary>
    public static string MapAll(WebApplication app, string baseUrl)
    {
        // Order matters for the middleware only: cross-site writes are refused before sign-in is read,
        // and a session with a reset password is stopped before authorization runs.
        app.UseCrossSiteGuard();
        app.UseAuthentication();
        app.UsePasswordResetGate();
        app.UseAuthorization();

        // 1. The API's description and the dashboard's pages (anonymous).
        app.MapOpenApi(OpenApiPath).AllowAnonymous();
        app.MapDashboardAssets();
        // 2. Operations: health, metrics, meters and their registers, gauges, commissioning, CSV history in,
        // held readings, the InfluxDB rebuild, the cluster's leases.
        app.MapMeteringApi();
        app.MapGaugeApi();
        app.MapStageGaugeApi();
        app.MapCommissionApi();
        app.MapCsvImportApi();
        app.MapHeldReadingsApi();
        app.MapInfluxRebuildApi();
        app.MapClusterApi();
        // 3. Accounts and sign-in.
        app.MapSessionApi();
        app.MapAccountsApi();
        // 4. The commons: the policy, reads, charts, CSV out, acts, live events.
        app.MapPolicyApi();
        app.MapCommonsApi();
        app.MapUsageSeriesApi();
        app.MapCsvExportApi();
        app.MapCommonsActsApi();
        app.MapEventsEndpoint();
        // 5. A region's endpoints, when this gateway hosts or reports to one.
        app.MapRegionApi();

        return DashboardSetup.SeedAccounts(app, baseUrl);
    }
}
