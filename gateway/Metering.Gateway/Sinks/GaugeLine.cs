using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>The InfluxDB line of one gauge summary: measurement <c>gauge</c>, its own (readings are
/// measurement <c>reading</c>), tagged by community, meter, gauge, quantity and sensor; integer
/// fields last/min/max/mean/samples/seq and the flag when there is one; millisecond timestamp.</summary>
internal static class GaugeLine
{
    public const string Measurement = "gauge";

    public static string For(MeterInfo meter, GaugeUplink uplink, GaugeValue gauge, string? flag)
    {
        var point = PointData.Builder.Measurement(Measurement)
            .Tag("community", meter.Community)
            .Tag("meter", meter.Id)
            .Tag("gauge", gauge.Name)
            .Tag("quantity", gauge.Quantity)
            .Tag("sensor", gauge.Sensor)
            .Field("last", gauge.Last)
            .Field("min", gauge.Min)
            .Field("max", gauge.Max)
            .Field("mean", gauge.Mean)
            .Field("samples", gauge.Samples)
            .Field("seq", uplink.Seq);
        if (flag is not null) point = point.Field("flag", flag);
        return point.Timestamp(uplink.TsMs, WritePrecision.Ms).ToPointData().ToLineProtocol();
    }
}
