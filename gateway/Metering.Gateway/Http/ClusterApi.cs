using System.Globalization;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Cluster;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>GET /api/v1/cluster (Cluster/README.md): which instance answers, what it owns, and every
/// community's lease with its holder's advertised URL, so a client that needs what only an owner knows
/// (its broker sessions, its policy runtime) is told where to ask. 404 on a gateway that is not a
/// cluster instance. Anyone signed in: instance names and URLs are the operators' own addresses.</summary>
internal static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cluster", GetAsync).WithTags("cluster").RequireAuthorization(Access.SignedInOrSetup)
            .WithSummary("This instance, the communities it owns and every community's lease; 404 when the gateway is not a cluster instance.");
        return app;
    }

    private static async Task<Results<Ok<ClusterJson>, ProblemHttpResult>> GetAsync(HttpContext http, CancellationToken ct)
    {
        if (http.RequestServices.GetService(typeof(ClusterOptions)) is null)
            return Problems.NotFound("not a cluster instance",
                "this gateway owns every community itself (Metering:Cluster:Communities is not set)");
        var s = await ClusterServices.StatusAsync(http.RequestServices, ct).ConfigureAwait(false);
        return TypedResults.Ok(new ClusterJson(s.Instance, s.Url, s.Owned, s.Sessions, s.Leases.Select(l => new ClusterLeaseJson(
            l.Community, l.Holder, l.HolderUrl, l.HolderLive, l.Epoch,
            l.Holder is null ? null : l.ExpiresAt.ToString("O", CultureInfo.InvariantCulture))).ToList()));
    }
}

/// <summary><c>sessions</c>: the owned communities whose broker session is open.</summary>
internal sealed record ClusterJson(string Instance, string Url, IReadOnlyList<string> Owned, IReadOnlyList<string> Sessions,
    IReadOnlyList<ClusterLeaseJson> Leases);

/// <summary>One community's lease; <c>expiresAt</c> (ISO 8601 UTC) only while someone holds it.</summary>
internal sealed record ClusterLeaseJson(string Community, string? Holder, string? HolderUrl, bool HolderLive, long Epoch, string? ExpiresAt);
