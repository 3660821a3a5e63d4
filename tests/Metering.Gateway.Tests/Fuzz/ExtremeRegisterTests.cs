using Commons.Metering.Gateway.Ingest;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Fuzz;

/// <summary>Hostile registers that are each valid on their own: int64 extremes, drops to zero and
/// jumps back, all in one hour bucket. The ledger must neither throw (an uplink that can never be
/// committed is never acknowledged and comes back forever) nor report negative or wrapped usage.
/// Usage beyond int64 saturates at its maximum (SQLite's integer overflow gives a REAL).</summary>
public sealed class ExtremeRegisterTests
{
    [Fact]
    public async Task TwiceInt64MaxInOneHour_IsCommitted_AndReadsBackSaturated()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        await g.RegisterAsync("m1");
        long[] regs = [0, long.MaxValue, 0, long.MaxValue];
        for (var i = 0; i < regs.Length; i++) Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", i + 1, regs[i])).Status);
        // 2 x int64 max does not fit: SQLite turns the hour's sum into a REAL, read back saturated.
        Assert.Equal(long.MaxValue, g.UsageOf("m1", "main", GatewayHarness.Start.AddDays(-1), GatewayHarness.Start.AddDays(1)));
    }

    [Fact]
    public async Task RegistersJumpingBetweenZeroAndInt64Max_NeverFailTheCommit_AndUsageNeverWraps()
    {
        var registers = Gen.OneOf(Gen.Const(0L), Gen.Const(long.MaxValue), Gen.Const(long.MaxValue - 1), Gen.Long[0, long.MaxValue]).Array[2, 12];
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
            Assert.True(usage >= 0, $"usage {usage}");
        }, iter: 40, threads: 1);
    }
}
