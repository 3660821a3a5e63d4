using Commons.Metering.Firmware.Host.Fleet;

namespace Commons.Metering.Tests.Fleet;

/// <summary>Meter ids of a fleet: numbered from <see cref="FleetOptions.FirstMeter"/>, so fleets of
/// several communities on one broker and ledger never share a device id.</summary>
public sealed class FleetOptionsTests
{
    private static FleetOptions Options(int firstMeter = 1) => new() { Broker = new Commons.Metering.Firmware.Host.Mqtt.MqttBrokerOptions { Host = "127.0.0.1", Port = 1 }, DataDirectory = "/nonexistent", FirstMeter = firstMeter, Mix = (2, 1, 0) };

    [Fact]
    public void MeterIds_StartAtOne_ByDefault()
    {
        var options = Options();
        Assert.Equal(["w-0001", "w-0002", "e-0003"], Enumerable.Range(0, 3).Select(options.MeterIdOf));
    }

    [Fact]
    public void MeterIds_StartAtFirstMeter_TheKindsFollowTheMixAsBefore()
    {
        var options = Options(firstMeter: 101);
        Assert.Equal(["w-0101", "w-0102", "e-0103"], Enumerable.Range(0, 3).Select(options.MeterIdOf));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Validate_RefusesAFirstMeterBelowOne(int firstMeter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Options(firstMeter).Validate());
        Assert.Equal(nameof(FleetOptions.FirstMeter), e.ParamName);
    }
}
