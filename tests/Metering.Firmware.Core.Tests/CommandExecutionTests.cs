using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests;

public class CommandExecutionTests
{
    private const string CommandTopic = "commons/v1/valley/house-7/down/cmd";
    private const long Later = Rig.Epoch + 3_600_000;

    private sealed class RecordingHandler : ICommandHandler
    {
        public List<string> Calls { get; } = [];
        public bool Result { get; set; } = true;

        public bool ApplyValve(string channel, bool open) => Record($"valve {channel} {(open ? "open" : "closed")}");
        public bool ApplyRelay(string channel, bool open) => Record($"relay {channel} {(open ? "open" : "closed")}");

        private bool Record(string call)
        {
            Calls.Add(call);
            return Result;
        }
    }

    private static (Rig Rig, RecordingHandler Handler) Online()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        var handler = new RecordingHandler();
        rig.Device.SetCommandHandler(handler);
        rig.Drain();
        return (rig, handler);
    }

    private static string Deliver(Rig rig, string json)
    {
        rig.Transport.Deliver(CommandTopic, json);
        int acks = rig.Acks.Count();
        rig.Drain();
        return rig.Acks.Skip(acks).Single().Text;
    }

    [Fact]
    public void Valid_command_is_executed_and_acknowledged_ok()
    {
        var (rig, handler) = Online();
        string ack = Deliver(rig, System.Text.Encoding.UTF8.GetString(Vectors.Bytes("valid/cmd-valve.json")));

        Assert.Equal(["valve main closed"], handler.Calls);
        Assert.StartsWith("""{"v":1,"cid":"c-000045","ok":true,"ts":""", ack);
        Assert.EndsWith("/up/ack", rig.Acks.Last().Topic);
    }

    [Fact]
    public void Acks_take_no_sequence_number_so_readings_and_events_stay_gapless_around_commands()
    {
        var (rig, _) = Online();
        rig.Run(rig.Config.ReadingIntervalMs * 2);
        rig.Drain();
        Deliver(rig, """{"v":1,"cid":"c-000045","exp":1764249000000,"op":"valve","ch":"main","state":"closed"}""");
        Deliver(rig, """{"v":1,"cid":"c-000046","exp":1764249000000,"op":"ping"}""");
        rig.Run(rig.Config.ReadingIntervalMs * 2);
        rig.Drain();

        // The gateway flags a reading whose seq skips one as seq_gap: an ack must not take a number.
        var seqs = rig.Readings.Concat(rig.Events).Select(p => p.Seq).Distinct().Order().ToList();
        Assert.Equal(2, rig.Acks.Count());
        Assert.True(seqs.Count > 3, string.Join(",", seqs));
        Assert.Equal(Enumerable.Range((int)seqs[0], seqs.Count).Select(i => (long)i), seqs);
    }

    [Fact]
    public void Redelivered_cid_is_acknowledged_again_but_executed_once_even_across_a_reboot()
    {
        var (rig, handler) = Online();
        string valve = """{"v":1,"cid":"c-000045","exp":1764249000000,"op":"valve","ch":"main","state":"closed"}""";
        Deliver(rig, valve);
        Assert.Contains("\"ok\":true", Deliver(rig, valve));
        Assert.Single(handler.Calls);

        var after = rig.Reboot();
        var handlerAfter = new RecordingHandler();
        after.Device.SetCommandHandler(handlerAfter);
        after.Drain();
        Assert.Contains("\"ok\":true", Deliver(after, valve));
        Assert.Empty(handlerAfter.Calls);
    }

    [Fact]
    public void Expired_command_is_refused_and_not_executed()
    {
        var (rig, handler) = Online();
        rig.Clock.UnixMs = Later + 1;
        string ack = Deliver(rig, """{"v":1,"cid":"c-000043","exp":1764249000000,"op":"stage","stage":2}""");

        Assert.Empty(handler.Calls);
        Assert.Equal(0, rig.Device.Stage);
        Assert.Matches("""^\{"v":1,"cid":"c-000043","ok":false,"err":"expired","ts":\d+\}$""", ack);
    }

    [Theory]
    [InlineData("""{"v":2,"cid":"c-1","exp":1764249000000,"op":"ping"}""", "unsupported_version")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1764249000000,"op":"selfdestruct"}""", "unknown_op")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1764249000000,"op":"stage","stage":7}""", "bad_field")]
    public void Invalid_command_is_refused_with_its_reason(string json, string reason)
    {
        var (rig, handler) = Online();
        Assert.Contains($"\"err\":\"{reason}\"", Deliver(rig, json));
        Assert.Empty(handler.Calls);
    }

    [Fact]
    public void Command_without_a_usable_cid_is_reported_as_a_cmd_rejected_event()
    {
        var (rig, _) = Online();
        rig.Transport.Deliver(CommandTopic, System.Text.Encoding.UTF8.GetString(Vectors.Bytes("invalid/cmd-missing-cid.json")));
        rig.Drain();

        var rejected = rig.Events.Last().Json;
        Assert.Equal("cmd_rejected", rejected.GetProperty("kind").GetString());
        Assert.Equal("bad_field", rejected.GetProperty("detail").GetString());
        Assert.Empty(rig.Acks);
    }

    [Fact]
    public void Without_a_handler_valve_and_relay_are_unknown_but_the_local_policy_is_accepted()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Drain();
        Assert.Contains("\"ok\":true", Deliver(rig, """{"v":1,"cid":"c-1","exp":1764249000000,"op":"ping"}"""));
        Assert.Contains("\"err\":\"unknown_op\"", Deliver(rig, """{"v":1,"cid":"c-2","exp":1764249000000,"op":"valve","ch":"main","state":"open"}"""));
        Assert.Contains("\"ok\":true", Deliver(rig, """{"v":1,"cid":"c-3","exp":1764249000000,"op":"stage","stage":1}"""));
        Assert.Equal(1, rig.Device.Stage);
    }

    [Fact]
    public void Handler_refusal_is_acknowledged_as_bad_field()
    {
        var (rig, handler) = Online();
        handler.Result = false;
        Assert.Contains("\"err\":\"bad_field\"", Deliver(rig, """{"v":1,"cid":"c-5","exp":1764249000000,"op":"relay","ch":"main","state":"open"}"""));
        Assert.Equal(["relay main open"], handler.Calls);
        // A channel the device does not have is refused by the core itself.
        Assert.Contains("\"err\":\"bad_field\"", Deliver(rig, """{"v":1,"cid":"c-6","exp":1764249000000,"op":"relay","ch":"pump","state":"open"}"""));
        Assert.Contains("\"err\":\"bad_field\"", Deliver(rig, """{"v":1,"cid":"c-7","exp":1764249000000,"op":"reset","ch":"pump"}"""));
        Assert.Single(handler.Calls);
    }

    [Fact]
    public void Commands_wait_for_the_clock_to_be_set()
    {
        var rig = Rig.Started(Rig.WaterMeter, unixMs: 0);
        var handler = new RecordingHandler();
        rig.Device.SetCommandHandler(handler);
        rig.Device.Tick();
        rig.Transport.Deliver(CommandTopic, """{"v":1,"cid":"c-1","exp":1764249000000,"op":"stage","stage":1}""");
        rig.Run(10_000, 1_000);
        Assert.Equal(0, rig.Device.Stage);

        rig.Clock.UnixMs = Rig.Epoch;
        rig.Drain();
        Assert.Equal(1, rig.Device.Stage);
        Assert.Contains("\"ok\":true", rig.Acks.Single().Text);
    }

    [Fact]
    public void Commands_on_other_topics_are_ignored()
    {
        var (rig, handler) = Online();
        rig.Transport.Deliver("commons/v1/valley/house-8/down/cmd", """{"v":1,"cid":"c-1","exp":1764249000000,"op":"stage","stage":1}""");
        rig.Drain();
        Assert.Empty(handler.Calls);
        Assert.Equal(0, rig.Device.Stage);
        Assert.Empty(rig.Acks);
    }

    [Fact]
    public void Commands_beyond_the_inbox_are_refused_and_counted_and_taken_when_delivered_again()
    {
        var (rig, handler) = Online();
        string Relay(int i) => $$"""{"v":1,"cid":"c-{{i}}","exp":1764249000000,"op":"relay","ch":"main","state":"{{(i % 2 == 0 ? "open" : "closed")}}"}""";

        // Six arrive between two ticks: the inbox takes four, the listener refuses the rest (no PUBACK).
        var taken = Enumerable.Range(1, 6).Select(i => rig.Transport.Deliver(CommandTopic, Relay(i))).ToList();
        Assert.Equal([true, true, true, true, false, false], taken);
        Assert.Equal((2, 0), (rig.Device.RefusedCommands, rig.Device.OversizedCommands));
        rig.Drain();
        Assert.Equal(4, handler.Calls.Count);

        // The broker delivers the two again (session resumed): now they fit, are executed and acknowledged.
        Assert.True(rig.Transport.Deliver(CommandTopic, Relay(5)));
        Assert.True(rig.Transport.Deliver(CommandTopic, Relay(6)));
        rig.Drain();
        Assert.Equal(6, handler.Calls.Count);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"c-{i}"), rig.Acks.Select(a => a.Json.GetProperty("cid").GetString()));
        Assert.Equal(2, rig.Device.RefusedCommands);
    }

    [Fact]
    public void An_oversized_command_is_dropped_and_counted_but_not_refused()
    {
        var (rig, handler) = Online();
        string padded = "{\"v\":1,\"cid\":\"c-1\",\"exp\":1764249000000,\"op\":\"ping\",\"pad\":\"" + new string('x', 1100) + "\"}";
        Assert.True(rig.Transport.Deliver(CommandTopic, padded));
        Assert.Equal((0, 1), (rig.Device.RefusedCommands, rig.Device.OversizedCommands));
        rig.Drain();
        Assert.Empty(rig.Acks);
    }
}
