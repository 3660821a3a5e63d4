using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Policy;

/// <summary>Valves as a board would drive them: the last state per channel and every switch.</summary>
public sealed class ValveDouble : ICommandHandler
{
    public Dictionary<string, bool> Closed { get; } = new();
    public List<string> Calls { get; } = [];

    public bool ApplyValve(string channel, bool open)
    {
        Calls.Add($"{channel} {(open ? "open" : "closed")}");
        Closed[channel] = !open;
        return true;
    }

    public bool ApplyRelay(string channel, bool open) => false; // valves only

    public bool IsClosed(string channel) => Closed.TryGetValue(channel, out var c) && c;
}

/// <summary>A household water node with three metered taps of 1 mL per pulse, each behind a
/// valve: drinking water, the shower, the garden. The gateway would class them essential,
/// standard and discretionary; the tests send those classes as commands.</summary>
public static class Household
{
    public const string CommandTopic = "commons/v1/valley/house-7/down/cmd";
    public const long Expiry = Rig.Epoch + 400L * 86_400_000;
    private static int _cid;

    public static Rig Started(FlashDouble? flash = null) => Rig.Started(Setup, flash);

    public static void Setup(Rig rig)
    {
        var valves = new ValveDouble();
        foreach (var name in new[] { "drink", "shower", "garden" })
        {
            var channel = rig.Device.AddPulseChannel(name, "mL", 1, 1, 0);
            rig.Device.SetOutput(channel, ChannelOutput.Valve);
            rig.Taps[name] = channel;
        }
        rig.Device.SetCommandHandler(valves);
        rig.Tag = valves;
    }

    public static ValveDouble Valves(this Rig rig) => (ValveDouble)rig.Tag!;

    public static PulseChannel Tap(this Rig rig, string name) => rig.Taps[name];

    /// <summary>Delivers a command (cid and expiry added), ticks, returns the ack's text.</summary>
    public static string Command(this Rig rig, string fields)
    {
        int acks = rig.Acks.Count();
        rig.Transport.Deliver(CommandTopic, $$"""{"v":1,"cid":"c-{{Interlocked.Increment(ref _cid):D6}}","exp":{{Expiry}},{{fields}}}""");
        rig.Drain();
        return rig.Acks.Skip(acks).Single().Text;
    }

    public static void Classes(this Rig rig)
    {
        Assert.Contains("\"ok\":true", rig.Command("\"op\":\"allowance\",\"ch\":\"drink\",\"limit\":50000,\"period_s\":86400,\"class\":\"essential\""));
        Assert.Contains("\"ok\":true", rig.Command("\"op\":\"allowance\",\"ch\":\"shower\",\"limit\":100000,\"period_s\":86400,\"class\":\"standard\""));
        Assert.Contains("\"ok\":true", rig.Command("\"op\":\"allowance\",\"ch\":\"garden\",\"limit\":20000,\"period_s\":86400,\"class\":\"discretionary\""));
    }
}
