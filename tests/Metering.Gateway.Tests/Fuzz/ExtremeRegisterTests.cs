using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Fuzz;

/// <summary>Hostile registers that are each valid on their own: the largest allowed register
/// (PayloadDecoder.MaxRegister, 2^53), drops to zero and jumps back, all in one hour bucket. The ledger
/// must neither throw (an uplink that can never be committed is never acknowledged and comes back
/// forever) nor report negative, wrapped or inexact usage; a register above the bound is rejected
/// (register_out_of_range), so no sum can leave SQLite's exact integers.</summary>
public sealed class ExtremeRegisterTests
{
    [Fact]
    public async Task RegistersAtTheBound_AreCommitted_UsageStaysExact_AndInt64MaxIsRejected()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        await g.RegisterAsync("m1");
        long[] regs = [0, PayloadDecoder.MaxRegister, 0, PayloadDecoder.MaxRegister];
        for (var i = 0; i < regs.Length; i++) Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", i + 1, regs[i])).Status);
        var int64Max = await g.ReadingAsync("m1", 5, long.MaxValue);
        Assert.Equal((IngestStatus.Rejected, RejectReason.RegisterOutOfRange), (int64Max.Status, int64Max.Reason));
        // Jumps of 2^53 in no time are held as implausible (zero usage): nothing was used.
        Assert.Equal(0, g.UsageOf("m1", "main", GatewayHarness.Start.AddDays(-1), GatewayHarness.Start.AddDays(1)));
    }

    [Fact]
    public async Task RegistersJumpingBetweenZeroAndTheBound_NeverFailTheCommit_AndUsageNeverWraps()
    {
        var max = PayloadDecoder.MaxRegister;
        var registers = Gen.OneOf(Gen.Const(0L), Gen.Const(max), Gen.Const(max - 1), Gen.Long[0, max]).Array[2, 12];
        await registers.SampleAsync(async regs =>
        {
            await using var g = new GatewayHarness();
            await g.StartAsync();
            await g.RegisterAsync("m1");
            for (var i = 0; i < regs.Length; i++)
            {
                var result = await g.ReadingAsync("m1", i + 1, regs[i]);
                Assert.Equal(IngestStatus.Committed, result.Status);
            }
            var usage = g.UsageOf("m1", "main", GatewayHarness.Start.AddDays(-1), GatewayHarness.Start.AddDays(1));
            Assert.True(usage >= 0 && usage <= (long)regs.Length * max, $"usage {usage}");
        }, iter: 40, threads: 1);
    }
}
