using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>The sink_outbox row of one channel of a committed reading, in InfluxDB line protocol
/// built by InfluxDB.Client's PointData (escaping is the library's). The contract with InfluxDB:
/// measurement 'reading'; tags community, meter, channel, resource, and household when the policy in
/// force lists the meter under one (<see cref="IMeterHouseholds"/>); integer fields reg, usage, seq
/// and the string field flag only when flagged; timestamp = device time in milliseconds.
/// The ledger's rows (<see cref="InfluxSinkRows"/>) and the rebuild (Sqlite/LedgerReplay.cs) write the
/// same lines through <see cref="InfluxLineBuilder"/> (series keys cached); this is the reference that one
/// is tested against.</summary>
public static class InfluxLine
{
    public const string Measurement = "reading";

    public static string For(MeterInfo meter, Reading reading, ChannelRegister channel, long usageBase, string? flag, string? household = null)
    {
        // PointData.Builder collects tags and fields in plain dictionaries and builds the immutable
        // point once; chaining PointData.Tag/Field copies the point at every call, which cost ~10 us
        // per line on the ledger writer's thread (docs/benchmarks.md, `ledger`).
        var point = PointData.Builder.Measurement(Measurement)
            .Tag("community", meter.Community)
            .Tag("meter", meter.Id)
            .Tag("channel", channel.Name)
            .Tag("resource", meter.Resource.Name())
            .Tag("household", household)
            .Field("reg", channel.Register)
            .Field("usage", usageBase)
            .Field("seq", reading.Seq)
            .Timestamp(reading.TsMs, WritePrecision.Ms);
        if (flag is not null) point = point.Field("flag", flag);
        return point.ToPointData().ToLineProtocol();
    }
}
