using System.CommandLine;
using System.Text.Json;

namespace Commons.Metering.Cli;

/// <summary><c>metering held list|accept|reject</c>: the readings the gateway holds as implausible (a
/// register rise faster than the meter can run; gateway/Metering.Gateway/Ledger/HeldReadings.cs). A
/// technician who looked at the meter accepts one (its rise counts as use) or rejects it (never counted),
/// saying why; the gateway audits it. Needs a technician's token once the gateway has accounts
/// (METERING_API_TOKEN; an administrator's lists only).</summary>
internal static class HeldCommand
{
    public static Command Create()
    {
        var list = new Command("list", "Lists the readings held as implausible, oldest first.") { GatewayOption() };
        list.SetAction(async (r, cancel) => await RunAsync(r, async client =>
        {
            var held = await client.HeldReadingsAsync(cancel);
            if (held.GetArrayLength() == 0) Console.WriteLine("No reading is held.");
            foreach (var h in held.EnumerateArray())
            {
                var unit = h.GetProperty("unit").GetString();
                Console.WriteLine($"{h.GetProperty("meter").GetString()} {h.GetProperty("channel").GetString()} seq {h.GetProperty("seq").GetInt64()} " +
                                  $"at {h.GetProperty("deviceTime").GetString()}: {h.GetProperty("baseline").GetProperty("register").GetInt64()} -> " +
                                  $"{h.GetProperty("register").GetInt64()} {unit} (rise {h.GetProperty("rise").GetInt64()} {unit})");
            }
        }));
        return new Command("held", "Readings the gateway holds as implausible: list, accept, reject") { list, Decide("accept"), Decide("reject") };
    }

    private static Command Decide(string decision)
    {
        var meter = new Argument<string>("meter") { Description = "Meter id" };
        var channel = new Argument<string>("channel") { Description = "Channel name" };
        var seq = new Argument<long>("seq") { Description = "The held reading's seq (metering held list)" };
        var reason = new Option<string>("--reason") { Description = "What was found on site (audited)", Required = true };
        var gateway = GatewayOption();
        var command = new Command(decision, decision == "accept"
            ? "Accepts a held reading: its rise counts as use, in the hour of the reading."
            : "Rejects a held reading: it stays as evidence and never counts.") { meter, channel, seq, reason, gateway };
        command.SetAction(async (r, cancel) => await RunAsync(r, async client =>
        {
            var answer = await client.DecideHeldAsync(r.GetValue(meter)!, r.GetValue(channel)!, r.GetValue(seq), decision, r.GetValue(reason)!, cancel);
            Console.WriteLine($"{answer.GetProperty("decision").GetString()}: {answer.GetProperty("meter").GetString()} {answer.GetProperty("channel").GetString()} " +
                              $"seq {answer.GetProperty("seq").GetInt64()}, {answer.GetProperty("usage").GetInt64()} {answer.GetProperty("unit").GetString()} counted, by {answer.GetProperty("by").GetString()}");
        }));
        return command;
    }

    private static Option<string> GatewayOption() =>
        new("--gateway") { Description = "The gateway's HTTP address", DefaultValueFactory = _ => "http://127.0.0.1:8080" };

    private static async Task<int> RunAsync(System.CommandLine.ParseResult r, Func<GatewayClient, Task> act)
    {
        var text = r.GetValue<string>("--gateway");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var baseUrl)) return ProvisionCommand.Fail(ExitCodes.Usage, "--gateway must be an http(s) address");
        try
        {
            using var client = new GatewayClient(baseUrl);
            await act(client);
            return ExitCodes.Ok;
        }
        catch (HttpRequestException e)
        {
            return ProvisionCommand.Fail(ExitCodes.GatewayError, e.Message);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or TaskCanceledException)
        {
            return ProvisionCommand.Fail(ExitCodes.GatewayError, $"unexpected answer from the gateway at {baseUrl}: {e.Message}");
        }
    }
}
