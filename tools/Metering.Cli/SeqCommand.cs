using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Cli;

/// <summary><c>metering seq restore</c>: a reflashed device lost its sequence with its flash and would
/// start again at seq 1, below what the ledger holds, so every reading would be 'late' and count nothing
/// until its sequence caught up. This reads the meter's high-water mark from the gateway
/// (GET /api/v1/meters/{id}/sequence) and writes <c>seq_floor</c> = that + <see cref="Margin"/> into the
/// device's config.json (docs/protocol.md, "Sequence and time bounds"); the device starts above it.</summary>
internal static class SeqCommand
{
    /// <summary>Above the high-water mark by the largest outbox a device can have (firmware DeviceConfig
    /// OutboxCapacity at most 4096): readings the old device sent that the gateway has not committed yet
    /// (still in an external broker's queue) keep their own seqs and are never mistaken for the new ones
    /// (meter, seq) names. The gateway flags the skip seq_gap, which loses nothing.</summary>
    public const long Margin = 4096;

    public static Command Create()
    {
        var meter = new Option<string>("--meter") { Description = "Meter id of the reflashed device", Required = true };
        var config = new Option<string>("--config") { Description = "The device's config.json (default devices/<meter>/config.json, as provision wrote it)" };
        var gateway = new Option<string>("--gateway") { Description = "The gateway's HTTP address", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var restore = new Command("restore", "Sets a reflashed device's config.json seq_floor above what the gateway's ledger holds for the meter; " +
            "then deploy the file (metering flash --deployment) before the device publishes.") { meter, config, gateway };
        restore.SetAction(async (r, cancel) =>
        {
            var id = r.GetValue(meter)!;
            if (!WireIds.IsId(id)) return ProvisionCommand.Fail(ExitCodes.Usage, "--meter must match ^[a-z0-9][a-z0-9_-]{0,47}$");
            if (!Uri.TryCreate(r.GetValue(gateway), UriKind.Absolute, out var baseUrl)) return ProvisionCommand.Fail(ExitCodes.Usage, "--gateway must be an http(s) address");
            var path = Path.GetFullPath(r.GetValue(config) ?? Path.Combine("devices", id, DeviceFiles.ConfigFileName));
            JsonObject json;
            try
            {
                json = JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject ?? throw new FormatException("not a JSON object");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException)
            {
                return ProvisionCommand.Fail(ExitCodes.FileError, $"cannot read {path}: {e.Message}");
            }
            var configMeter = json["meter"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? json["meter"]!.GetValue<string>() : null;
            if (configMeter != id) return ProvisionCommand.Fail(ExitCodes.Usage, $"{path} is the configuration of '{configMeter}', not of '{id}'");

            long highWater;
            try
            {
                using var client = new GatewayClient(baseUrl);
                highWater = await client.SequenceHighWaterAsync(id, cancel);
            }
            catch (HttpRequestException e)
            {
                return ProvisionCommand.Fail(ExitCodes.GatewayError, $"GET {baseUrl}api/v1/meters/{id}/sequence: {e.Message}");
            }
            var floor = highWater + Margin;
            var before = json["seq_floor"]?.GetValue<long>() ?? 0;
            if (before > floor) floor = before; // a floor only ever rises
            json["seq_floor"] = floor;
            var utf8 = Encoding.UTF8.GetBytes(json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            // The device's own parser checks the file, seq_floor's bound (2^53) too.
            var setup = new DeviceSetup();
            if (new DeviceSetupParser().Parse(utf8, utf8.Length, setup) is { } error)
                return ProvisionCommand.Fail(ExitCodes.FileError, $"{path} with seq_floor is refused by the device's parser: {error}; nothing written");
            try
            {
                // In place: the file keeps its owner-only mode (it holds the device's passwords).
                File.WriteAllBytes(path, utf8);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return ProvisionCommand.Fail(ExitCodes.FileError, $"cannot write {path}: {e.Message}");
            }
            Console.WriteLine($"{id}: the ledger holds seq up to {highWater}; {path} now has seq_floor {floor}.");
            Console.WriteLine($"Deploy it before the device publishes: metering flash --port PORT --deployment {Path.Combine(Path.GetDirectoryName(path)!, DeviceFiles.DeploymentFileName)}");
            return ExitCodes.Ok;
        });
        return new Command("seq", "A device's sequence numbers") { restore };
    }
}
