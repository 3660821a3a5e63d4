using System.Diagnostics;
using System.Net;

namespace Commons.Metering.Cli;

/// <summary>`commission check` (default): the round trip with the REAL device online, through the
/// gateway. The gateway sends the device a `ping` over its own broker connection and answers when the
/// device's ack has reached its ledger (POST /api/v1/meters/{id}/ping, gateway README "HTTP"). So it
/// proves the gateway's downlink path, the device's subscription, and the device's uplink (the ack)
/// back; the technician needs only an API token (METERING_API_TOKEN), no broker credentials.</summary>
internal static class CommissionGatewayPing
{
    /// <summary>The gateway waits at most this long per request (Http/CommissionApi.cs MaxTimeoutS);
    /// a longer --timeout-s asks again with a new ping.</summary>
    public const int MaxRoundS = 60;

    internal sealed record Settings(Uri Gateway, string Community, string Meter, TimeSpan Timeout);

    public static async Task<int> RunAsync(Settings s, CancellationToken cancel)
    {
        const int steps = 2;
        using var gateway = new GatewayClient(s.Gateway);
        Progress.Step(1, steps, $"asking {s.Gateway} about {s.Meter}");
        var (meter, failed) = await RegisteredAsync(gateway, s.Gateway, s.Community, s.Meter, cancel);
        if (meter is null) return failed;
        Console.WriteLine("  " + Describe(meter));

        Progress.Step(2, steps, $"the gateway sends {s.Meter} a ping and waits for its ack (up to {s.Timeout.TotalSeconds:0} s)");
        var clock = Stopwatch.StartNew();
        GatewayClient.PingAnswer answer;
        do
        {
            var round = (int)Math.Clamp(Math.Ceiling((s.Timeout - clock.Elapsed).TotalSeconds), 1, MaxRoundS);
            var ping = gateway.PingAsync(s.Meter, round, cancel);
            try
            {
                while (await Task.WhenAny(ping, Task.Delay(TimeSpan.FromSeconds(1), cancel)) != ping)
                    Console.WriteLine("  " + Progress.Bar("waiting", clock.Elapsed, s.Timeout));
                answer = await ping;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                return GatewayFailed(s.Gateway, e);
            }
        } while (answer is { Status: HttpStatusCode.GatewayTimeout, Outcome: "timeout" } && clock.Elapsed < s.Timeout);

        switch (answer)
        {
            case { Status: HttpStatusCode.OK, Outcome: "acked" }:
                Console.WriteLine($"  ack of {answer.Cid} after {answer.RoundTripMs} ms ({answer.Attempts} sent)");
                Console.WriteLine("commission check passed: the gateway's downlink reached the device and its ack came back to the gateway");
                return ExitCodes.Ok;
            case { Status: HttpStatusCode.OK, Outcome: "refused" }:
                var hint = answer.Error == "expired" ? " (its clock is off by minutes: check its time source)" : "";
                return ProvisionCommand.Fail(ExitCodes.NotSeen, $"the device got ping {answer.Cid} but refused it: {answer.Error}{hint}");
            case { Status: HttpStatusCode.GatewayTimeout }:
                return ProvisionCommand.Fail(ExitCodes.NotSeen, $"no ack within {s.Timeout.TotalSeconds:0} s: {answer.Problem}");
            default:
                return ProvisionCommand.Fail(ExitCodes.GatewayError, $"the gateway refused the ping: {answer.Problem}" +
                    (answer.Status == HttpStatusCode.NotFound ? " (a gateway older than the ping endpoint: use --via-broker)" : ""));
        }
    }

    private static string Describe(GatewayClient.MeterView m) => m.Status switch
    {
        null when m.LastSeen is null => "registered; never heard from yet",
        { State: "offline" } => $"registered; its status says offline since {m.Status.LastSeen} (the ping waits in its broker session)",
        _ => $"registered; status {m.Status?.State ?? "none"}, last seen {m.LastSeen}",
    };

    /// <summary>The meter as the gateway lists it, or null and the exit code once the failure is printed
    /// (gateway unreachable or refusing, meter not registered, or registered in another community).</summary>
    internal static async Task<(GatewayClient.MeterView? Meter, int Exit)> RegisteredAsync(GatewayClient gateway, Uri url, string community,
        string meter, CancellationToken cancel)
    {
        GatewayClient.MeterView? found;
        try
        {
            found = await gateway.FindAsync(meter, cancel);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return (null, GatewayFailed(url, e));
        }
        if (found is null) return (null, ProvisionCommand.Fail(ExitCodes.GatewayError, $"meter '{meter}' is not registered with the gateway (run `metering provision --gateway ...`)"));
        if (found.Community != community)
            return (null, ProvisionCommand.Fail(ExitCodes.GatewayError, $"meter '{meter}' is registered in community '{found.Community}', not '{community}'"));
        return (found, ExitCodes.Ok);
    }

    private static int GatewayFailed(Uri url, Exception e)
    {
        var what = e is HttpRequestException { StatusCode: not null } ? "refused the request" : e is TaskCanceledException ? "did not answer in time" : "unreachable";
        return ProvisionCommand.Fail(ExitCodes.GatewayError, $"gateway {url} {what}: {e.Message}");
    }
}
