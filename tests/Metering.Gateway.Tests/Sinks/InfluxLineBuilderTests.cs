using CsCheck;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Sinks;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Tests.Sinks;

/// <summary>The writer's cached line builder must write exactly what InfluxDB.Client's PointData
/// writes (<see cref="InfluxLine.For"/>), for any tag text, number and flag.</summary>
public sealed class InfluxLineBuilderTests
{
    // Line protocol's special characters, a backslash, quotes, non-ASCII and plain letters.
    private static readonly Gen<string> Text = Gen.String[Gen.Char[" ,=\"\\\tüß村ab1_-"], 0, 12];
    private static readonly Gen<MeterInfo> Meter = Gen.Select(Text, Text, Gen.Enum<Resource>(),
        (id, community, resource) => new MeterInfo(id, community, resource));
    private static readonly string?[] KnownFlags = [null, ReadingFlag.Late.Name(), ReadingFlag.SeqGap.Name(), ReadingFlag.RegisterDecrease.Name()];
    private static readonly Gen<string?> Flag = Gen.OneOf(
        Gen.Int[0, KnownFlags.Length - 1].Select(i => KnownFlags[i]),
        Text.Select(s => (string?)s));

    // No household (a meter the policy does not list, or no policy) or any text.
    private static readonly Gen<string?> Household = Gen.OneOf(Gen.Const((string?)null), Text.Select(s => (string?)s));

    [Fact]
    public void EveryLine_IsWhatPointDataWrites()
    {
        var lines = new InfluxLineBuilder();
        Gen.Select(Meter, Text, Gen.Long, Gen.Long, Gen.Long, Gen.Long, Flag, Household).Sample((meter, channel, reg, seq, ts, usage, flag, household) =>
        {
            var register = new ChannelRegister(channel, meter.Resource, reg);
            var reading = new Reading(seq, ts, [register], null);
            Assert.Equal(InfluxLine.For(meter, reading, register, usage, flag, household), lines.For(meter, reading, register, usage, flag, household));
            // Asked again (now from the cache): the same line.
            Assert.Equal(InfluxLine.For(meter, reading, register, usage, flag, household), lines.For(meter, reading, register, usage, flag, household));
        }, iter: 20_000, threads: 1); // one writer thread, as in the ledger: the cache is not thread-safe
    }

    [Fact]
    public void TheHouseholdTag_SitsInTheSeriesKey_InPointDataOrder()
    {
        var register = new ChannelRegister("kitchen", Resource.Water, 1500);
        var reading = new Reading(3, 1_764_245_520_000, [register], null);
        var meter = new MeterInfo("w-h01", "demo", Resource.Water);
        Assert.Equal("reading,channel=kitchen,community=demo,household=h01,meter=w-h01,resource=water reg=1500i,seq=3i,usage=600i 1764245520000",
            new InfluxLineBuilder().For(meter, reading, register, 600, null, "h01"));
        Assert.Equal("reading,channel=kitchen,community=demo,meter=w-h01,resource=water reg=1500i,seq=3i,usage=600i 1764245520000",
            new InfluxLineBuilder().For(meter, reading, register, 600, null, null));
    }

    [Fact]
    public void TheCache_StaysBounded_AndStartsOverWhenFull()
    {
        var lines = new InfluxLineBuilder();
        var register = new ChannelRegister("main", Resource.Water, 1);
        var reading = new Reading(1, 1_764_245_400_000, [register], null);
        for (var i = 0; i < InfluxLineBuilder.MaxSeries + 10; i++)
        {
            var meter = new MeterInfo($"m-{i}", "c1", Resource.Water);
            Assert.Equal(InfluxLine.For(meter, reading, register, 0, null), lines.For(meter, reading, register, 0, null));
        }
        Assert.Equal(10, lines.CachedSeries);
    }
}
