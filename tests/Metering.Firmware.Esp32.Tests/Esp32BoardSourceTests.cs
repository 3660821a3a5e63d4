using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Commons.Metering.Esp32.Tests;

/// <summary>The board code keeps the device-robustness decisions whose logic is tested in the core
/// (Drivers/BoardRobustnessTests) wired in: these read the board's own sources, so undoing one of
/// them names the file and line.</summary>
public sealed class Esp32BoardSourceTests
{
    private static SyntaxNode Root(string file) =>
        CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(RepoFiles.Esp32Folder, "Board", file)), path: "Board/" + file).GetRoot();

    private static string Where(SyntaxNode node)
    {
        var span = node.GetLocation().GetLineSpan();
        return $"{span.Path}:{span.StartLinePosition.Line + 1}";
    }

    private static IEnumerable<InvocationExpressionSyntax> Calls(SyntaxNode root, string name) =>
        root.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Expression is MemberAccessExpressionSyntax m && m.Name.Identifier.Text == name);

    private static MethodDeclarationSyntax Method(SyntaxNode root, string name) =>
        root.DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == name);

    [Fact]
    public void The_mqtt_queue_cap_leaves_room_for_incoming_commands()
    {
        var creation = Root("MeterBoard.cs").DescendantNodes().OfType<ObjectCreationExpressionSyntax>()
            .Single(c => c.Type.ToString() == "M2MqttTransport");
        var cap = creation.ArgumentList!.Arguments.Last().Expression;
        Assert.True(cap is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: "InflightCapacity" } },
            $"{Where(cap)}: the M2Mqtt in-flight cap must be TransportQueue.InflightCapacity(...), not {cap}");
    }

    [Fact]
    public void Transport_Connect_waits_for_a_background_attempt_instead_of_blocking()
    {
        var connect = Method(Root("M2MqttTransport.cs"), "Connect");
        Assert.True(Calls(connect, "Step").Any(), $"{Where(connect)}: Connect must go through BackgroundConnect.Step");
        var blocking = Calls(connect, "Connect").FirstOrDefault();
        Assert.True(blocking == null, blocking == null ? "" : $"{Where(blocking)}: Connect calls MqttClient.Connect on the main loop");
    }

    [Fact]
    public void A_client_is_closed_even_when_its_Disconnect_throws()
    {
        var root = Root("M2MqttTransport.cs");
        Assert.NotEmpty(Calls(root, "Close"));
        foreach (var tryStatement in root.DescendantNodes().OfType<TryStatementSyntax>())
        {
            var disconnect = Calls(tryStatement.Block, "Disconnect").FirstOrDefault();
            var close = Calls(tryStatement.Block, "Close").FirstOrDefault();
            Assert.True(disconnect == null || close == null,
                $"{Where((SyntaxNode?)close ?? tryStatement)}: Close() shares a try block with Disconnect(), which throws on a dead socket");
        }
    }

    [Fact]
    public void Every_hx711_pulse_is_checked_against_the_datasheet_limit()
    {
        var read = Method(Root("Hx711Scale.cs"), "TryReadCounts");
        Assert.True(Calls(read, "PulseWithinLimit").Any(), $"{Where(read)}: PD_SCK pulses are not checked (Hx711.PulseWithinLimit)");
    }

    [Fact]
    public void A_weighing_feeds_the_watchdog_after_every_conversion()
    {
        var weigh = Method(Root("Hx711Scale.cs"), "TryWeigh");
        var loop = weigh.DescendantNodes().OfType<ForStatementSyntax>().Single();
        Assert.True(Calls(loop, "Feed").Any(),
            $"{Where(loop)}: up to 64 conversions (6.4 s at 10 SPS) without feeding the watchdog trip a watchdog_ms of 5000");
    }

    [Fact]
    public void Edge_inputs_use_the_native_debounce()
    {
        var root = Root("PulseInputs.cs");
        var ctor = root.DescendantNodes().OfType<ConstructorDeclarationSyntax>().Single(c => c.Identifier.Text == "EdgePulseInput");
        bool sets = ctor.DescendantNodes().OfType<AssignmentExpressionSyntax>()
            .Any(a => a.Left is MemberAccessExpressionSyntax { Name.Identifier.Text: "DebounceTimeout" });
        Assert.True(sets, $"{Where(ctor)}: EdgePulseInput does not set GpioPin.DebounceTimeout");
    }

    /// <summary>nanoFramework keeps no enum names on the device: an enum's ToString() logs a number.</summary>
    [Esp32CheckFact]
    public void No_enum_is_logged_through_ToString()
    {
        var compilation = Esp32Compilation.OfApplication().Compilation;
        var found = new List<string>();
        foreach (var tree in compilation.SyntaxTrees.Where(t => t.FilePath.StartsWith("Board/", StringComparison.Ordinal) || t.FilePath == "Program.cs"))
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var call in Calls(tree.GetRoot(), "ToString"))
            {
                var receiver = ((MemberAccessExpressionSyntax)call.Expression).Expression;
                if (model.GetTypeInfo(receiver).Type?.TypeKind == TypeKind.Enum)
                {
                    found.Add($"{Where(call)}: {receiver}.ToString() logs a number on the device");
                }
            }
        }
        Assert.True(found.Count == 0, string.Join("\n", found));
    }
}
