using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Sinks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Gateway.Tests.Sinks;

/// <summary>The rows the ledger appends to sink_outbox come from the Sinks' registration
/// (<see cref="ISinkRows"/>): InfluxDB lines when a sink is configured, none otherwise.</summary>
public sealed class InfluxSinkRowsTests
{
    private static readonly MeterInfo Meter = new("w-h01", "demo", Resource.Water);
    private static readonly ChannelRegister Kitchen = new("kitchen", Resource.Water, 1_500);
    private static readonly Reading Reading = new(3, 1_764_245_520_000, [Kitchen], null);
    private static readonly GaugeUplink Gauges = new(7, 1_764_245_400_000, [new GaugeValue("reservoir", "level_mm", "a02yyuw", 1840, 1832, 1851, 1841, 12)]);

    private static ISinkRows Registered(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddMeteringSinks(configuration).BuildServiceProvider();
        return services.GetRequiredService<ISinkRows>();
    }

    [Fact]
    public void WithASink_TheRegisteredRowsAreTheLineProtocolLines()
    {
        var rows = Registered(new()
        {
            ["Metering:Influx:Kind"] = "V1",
            ["Metering:Influx:Url"] = "http://127.0.0.1:9",
            ["Metering:Influx:Database"] = "metering",
        });

        Assert.Equal("reading,channel=kitchen,community=demo,household=h01,meter=w-h01,resource=water reg=1500i,seq=3i,usage=600i 1764245520000",
            rows.Reading(Meter, Reading, Kitchen, 600, null, "h01"));
        Assert.Equal(InfluxLine.For(Meter, Reading, Kitchen, 0, "late"), rows.Reading(Meter, Reading, Kitchen, 0, "late", null));
        Assert.Equal(
            "gauge,community=demo,gauge=reservoir,meter=w-h01,quantity=level_mm,sensor=a02yyuw last=1840i,max=1851i,mean=1841i,min=1832i,samples=12i,seq=7i 1764245400000",
            rows.Gauge(Meter, Gauges, Gauges.Gauges[0], null));
    }

    [Fact]
    public void WithoutASink_ThereAreNoRows()
    {
        var rows = Registered(new() { ["Metering:Influx:Kind"] = "None" });

        Assert.Null(rows.Reading(Meter, Reading, Kitchen, 600, null, "h01"));
        Assert.Null(rows.Gauge(Meter, Gauges, Gauges.Gauges[0], null));
    }
}
