using System.Buffers;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Telemetry;
using Commons.Metering.Gateway.Tests.Telemetry;
using Commons.Metering.Testing.Fuzz;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Fuzz;

/// <summary>Hostile input through the real ingest pipeline and SQLite ledger
/// (<see cref="GatewayHarness"/>, fake clock): no exception escapes, every input is either committed
/// or rejected with exactly one counted reason, and a valid stream interleaved with the garbage is
/// committed exactly.</summary>
public sealed class PipelineFuzzTests
{
    private static readonly HostileInputs Inputs = new(Vectors.Root);

    private static GatewayOptions AutoRegister() => new() { Registry = new RegistryOptions { AutoRegister = true } };

    [Fact]
    public async Task Pipeline_OnHostileInput_CommitsOrCountsExactlyOneReason()
    {
        await using var g = new GatewayHarness(AutoRegister());
        await g.StartAsync();
        using var sums = new RecordedSums(g.Metrics);
        var committed = 0;
        // MQTTnet may hand over a payload in several segments: cut each input at a random point.
        await Gen.Select(Inputs.Any, Gen.Double[0, 1]).SampleAsync(async (input, cut) =>
        {
            var before = Snapshot(sums);
            var result = await g.Pipeline.HandleAsync(input.Topic, TwoSegments(input.Payload, cut), CancellationToken.None);
            var after = Snapshot(sums);
            CheckCountedOnce(result, before, after, input);
            if (result.Status == IngestStatus.Committed) committed++;
            g.Time.Advance(TimeSpan.FromSeconds(1));
        }, iter: 3000, threads: 1);
        Assert.True(committed > 0, "nothing committed: the generator never reached the ledger");
    }

    [Fact]
    public async Task ValidStream_InterleavedWithGarbageAndRedeliveries_IsCommittedExactly()
    {
        // A scenario: 150 steps, each a hostile input, a register increment for the valid meter (one
        // minute apart, at most the most a water connection can draw: Ledger/Plausibility.cs), and
        // whether to redeliver an earlier valid reading (a duplicate must change nothing).
        var steps = Gen.Select(Inputs.Any, Gen.Long[0, Gateway.Ledger.Plausibility.MaxWaterMlPerMinute], Gen.Int[0, 9]).Array[150];
        await steps.SampleAsync(async scenario =>
        {
            await using var g = new GatewayHarness(AutoRegister());
            await g.StartAsync();
            using var sums = new RecordedSums(g.Metrics);
            await g.RegisterAsync("truth-1");
            var sent = new List<string>();
            long register = 1_000, seq = 0;
            foreach (var (garbage, delta, redeliver) in scenario)
            {
                var before = Snapshot(sums);
                var result = await g.Pipeline.HandleAsync(garbage.Topic, new ReadOnlySequence<byte>(garbage.Payload), CancellationToken.None);
                CheckCountedOnce(result, before, Snapshot(sums), garbage);

                register += delta;
                var payload = $"{{\"v\":1,\"seq\":{++seq},\"ts\":{g.Time.GetUtcNow().ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{register}}}]}}";
                sent.Add(payload);
                Assert.Equal(IngestStatus.Committed, (await g.PublishAsync(GatewayHarness.ReadingTopic("truth-1"), payload)).Status);
                if (redeliver == 0)
                {
                    var again = await g.PublishAsync(GatewayHarness.ReadingTopic("truth-1"), sent[(int)(delta % sent.Count)]);
                    Assert.Equal(IngestStatus.Duplicate, again.Status);
                }
                g.Time.Advance(TimeSpan.FromMinutes(1));
            }
            // The first reading is the baseline (UsageRules.ChannelDelta): usage is last minus first.
            var usage = g.UsageOf("truth-1", "main", GatewayHarness.Start.AddDays(-1), g.Time.GetUtcNow().AddDays(1));
            Assert.Equal(register - 1_000 - scenario[0].Item2, usage);
        }, iter: 8, threads: 1);
    }

    /// <summary>Committed: no reason, one more commit, no rejection. Otherwise: a reason, counted
    /// once under that reason, nothing else counted.</summary>
    private static void CheckCountedOnce(IngestResult result, Counts before, Counts after, HostileInput input)
    {
        var rejectedDelta = after.Rejected.Sum() - before.Rejected.Sum();
        var committedDelta = after.Committed - before.Committed;
        if (result.Status == IngestStatus.Committed)
        {
            Assert.True(result.Reason is null && committedDelta == 1 && rejectedDelta == 0, $"committed but counted {rejectedDelta} reasons: {input}");
            return;
        }
        Assert.True(result.Reason is { } r && rejectedDelta == 1 && committedDelta == 0
            && after.Rejected[(int)r] - before.Rejected[(int)r] == 1,
            $"{result.Status} {result.Reason}: {rejectedDelta} reasons and {committedDelta} commits counted for {input}");
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] payload, double cut)
    {
        var at = (int)(payload.Length * cut);
        if (at == 0 || at == payload.Length) return new ReadOnlySequence<byte>(payload);
        var first = new Segment(payload.AsMemory(0, at), 0);
        var second = first.Append(payload.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    private sealed record Counts(double[] Rejected, double Committed);

    private static Counts Snapshot(RecordedSums sums) => new(
        Enum.GetValues<RejectReason>().Select(r => sums["metering_rejected_total", r.Name()]).ToArray(),
        Enum.GetValues<UplinkKind>().Sum(k => sums["metering_uplinks_committed_total", k.ToString().ToLowerInvariant()]));
}
