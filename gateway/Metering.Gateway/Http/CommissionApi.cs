using System.Globalization;
using System.Security.Cryptography;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Http;

/// <summary>The commission ping (`metering commission check`): a technician asks the gateway
/// to send a device a `ping` command (docs/protocol.md, command) through the gateway's own broker
/// connection (IDownlinkPublisher: embedded or external broker alike) and the request waits, bounded,
/// for the device's ack as the ledger commits it. So one call proves the whole downlink path and the
/// device's uplink (the ack) back. It needs no policy and keeps no state: the answer is the outcome.</summary>
internal static class CommissionApi
{
    public const int DefaultTimeoutS = 30;

    /// <summary>Longest wait: an HTTP request held longer than a minute is cut by proxies and clients.</summary>
    public const int MaxTimeoutS = 60;

    /// <summary>The ping is published again this often with the same cid while no ack came: a device
    /// with no broker session yet (first connect) never gets the first one. The device executes a cid
    /// at most once and acks a repeat with the remembered result (MeterDevice.Commands.cs).</summary>
    public static readonly TimeSpan ResendInterval = TimeSpan.FromSeconds(5);

    /// <summary>The ping's `exp`: a device whose clock runs a few minutes off still accepts it (the
    /// old direct-broker ping of tools/Metering.Cli used the same 5 min).</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromMinutes(5);

    public const string CidPrefix = "ping-";

    public static IEndpointRouteBuilder MapCommissionApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/meters/{meterId}/ping", PingAsync).WithTags("meters")
            // Technicians operate devices, an administrator may check one; loopback callers too while
            // no account exists (a fresh install), like the other meter endpoints (Auth/Access.cs).
            .RequireAuthorization(p => p.AddRequirements(new OpenWhileNoAccounts([Role.Technician, Role.Administrator])))
            .WithSummary($"Technician: send the device a ping through the gateway's broker connection and wait for its ack " +
                         $"{{timeoutS?: 1..{MaxTimeoutS}, default {DefaultTimeoutS}}}: 200 acked or refused, 504 no ack in time, 404 unknown meter, 409 its community owned by another cluster instance, 503 broker down.");
        return app;
    }

    private static async Task<Results<Ok<PingJson>, ProblemHttpResult, EmptyHttpResult>> PingAsync(string meterId, HttpContext http, MeterRegistry registry, IStateStore store,
        IDownlinkPublisher downlinks, AckWaiters waiters, TimeProvider time, ILogger<AckWaiters> logger)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        var given = body.TryGetProperty("timeoutS", out var t) && t.ValueKind != System.Text.Json.JsonValueKind.Null;
        var timeoutS = given ? body.Number("timeoutS") ?? -1 : DefaultTimeoutS;
        if (timeoutS is < 1 or > MaxTimeoutS || timeoutS != Math.Floor(timeoutS))
            return Problems.Bad($"'timeoutS' must be a whole number of seconds, 1..{MaxTimeoutS} (default {DefaultTimeoutS}).");
        if (!registry.TryGet(meterId, out var meter)) return Problems.NotFound("Unknown meter", $"No meter '{meterId}' is registered.");
        // A cluster instance reaches only the devices of the communities it owns (Cluster/README.md).
        if (await Cluster.ClusterServices.OwnedElsewhereAsync(http.RequestServices, meter.Community, http.RequestAborted) is { } lease)
            return Problems.Of(StatusCodes.Status409Conflict, "Owned by another instance", lease.Holder is null
                ? $"Community '{meter.Community}' has no owner right now (a takeover is under way); try again in a few seconds. GET /api/v1/cluster lists the owners."
                : $"Community '{meter.Community}' is owned by instance '{lease.Holder}'{(lease.HolderUrl is { } url ? $" at {url}" : "")}: send the ping there. GET /api/v1/cluster lists the owners.");
        if (!downlinks.CanPublish)
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Broker unavailable",
                "The gateway has no broker connection that can take a downlink now (external broker down?); try again shortly. /healthz shows the broker's state.");

        var cid = CidPrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var payload = CommandCodec.Encode(new Command(cid, time.GetUtcNow().Add(Expiry).ToUnixTimeMilliseconds(), "ping"));
        var topic = $"commons/v1/{meter.Community}/{meter.Id}/down/cmd";
        using var waiter = waiters.Expect(meter.Id, cid);
        if (waiter is null)
            return Problems.Of(StatusCodes.Status429TooManyRequests, "Too many pings", $"{AckWaiters.MaxWaiting} pings are waiting already; try again when they are answered.");

        var started = time.GetTimestamp();
        var timeout = TimeSpan.FromSeconds(timeoutS);
        int attempts = 0, published = 0;
        string? publishError = null;
        try
        {
            while (true)
            {
                attempts++;
                try
                {
                    await downlinks.PublishAsync(topic, payload, http.RequestAborted);
                    published++;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    publishError = e.Message; // the next attempt may get through (external broker reconnecting)
                }
                var left = timeout - time.GetElapsedTime(started);
                if (waiter.Ack.IsCompleted || left <= TimeSpan.Zero) break;
                var last = left <= ResendInterval; // this wait takes the rest of the time: no resend after it
                await Task.WhenAny(waiter.Ack, Task.Delay(last ? left : ResendInterval, time, http.RequestAborted));
                http.RequestAborted.ThrowIfCancellationRequested();
                if (waiter.Ack.IsCompleted || last) break;
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return TypedResults.Empty; // the caller hung up: nobody to answer
        }

        var elapsedMs = (long)time.GetElapsedTime(started).TotalMilliseconds;
        if (waiter.Ack.IsCompleted)
        {
            var ack = waiter.Ack.Result;
            var outcome = ack.Ok ? "acked" : "refused";
            logger.LogInformation("Ping {Cid} to {Meter} by {Actor}: {Outcome} {Error} after {ElapsedMs} ms, {Attempts} sent",
                cid, meter.Id, http.User.Actor(), outcome, ack.Error, elapsedMs, attempts);
            return TypedResults.Ok(new PingJson(meter.Id, meter.Community, cid, outcome, ack.Error, elapsedMs, attempts, Iso(ack.TsMs)));
        }
        logger.LogInformation("Ping {Cid} to {Meter} by {Actor}: no ack within {TimeoutS} s ({Published} of {Attempts} published)",
            cid, meter.Id, http.User.Actor(), timeoutS, published, attempts);
        if (published == 0)
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Broker unavailable",
                $"The broker did not take the ping ({attempts} attempts): {publishError}");
        var device = store.ListMeters().FirstOrDefault(m => m.Meter.Id == meter.Id);
        return TypedResults.Problem(statusCode: StatusCodes.Status504GatewayTimeout, title: "No ack",
            detail: $"Meter '{meter.Id}' did not acknowledge ping {cid} within {timeoutS:0} s (sent {published} times). {Explain(device)}",
            extensions: new Dictionary<string, object?>
            {
                ["outcome"] = "timeout", ["cid"] = cid, ["attempts"] = published,
                ["deviceState"] = device?.Status?.State ?? (device?.LastSeenMs is null ? "never-seen" : "unknown"),
                ["lastSeen"] = Iso(device?.LastSeenMs),
            });
    }

    /// <summary>What the device's retained status (docs/protocol.md, status; "offline" is its last will) says.</summary>
    private static string Explain(MeterView? device) => device switch
    {
        null or { LastSeenMs: null, Status: null } =>
            "The gateway has never heard from it: is it powered, on the network, with the right broker address and credentials?",
        { Status.State: "offline" } =>
            $"Its status says offline since {Iso(device.Status.ReceivedMs)} (its last will): power it up or check its network; the ping waits in its broker session for {Expiry.TotalMinutes:0} min.",
        _ =>
            $"It was last seen {Iso(device.LastSeenMs ?? device.Status?.ReceivedMs)} (status '{device.Status?.State ?? "none"}'): it may be reconnecting or asleep; try a longer timeoutS.",
    };

    private static string? Iso(long? ms) =>
        ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v).ToString("O", CultureInfo.InvariantCulture) : null;
}

/// <summary>The device answered: <c>outcome</c> acked or refused (with its <c>error</c>), after
/// <c>attempts</c> sends; <c>deviceTime</c>: the ack's device time.</summary>
internal sealed record PingJson(
    string Meter, string Community, string Cid, string Outcome, string? Error, long RoundTripMs, int Attempts, string? DeviceTime);
