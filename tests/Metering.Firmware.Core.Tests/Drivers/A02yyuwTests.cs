using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The A02YYUW UART frame against the datasheet's worked example, and the tank level.</summary>
public sealed class A02yyuwTests
{
    /// <summary>DFRobot SEN0311 wiki, "UART output": FF 07 A1 A7 -> 0x07A1 = 1953 mm, SUM = (FF+07+A1) &amp; FF = A7.</summary>
    private static readonly byte[] DatasheetFrame = [0xFF, 0x07, 0xA1, 0xA7];

    private static bool OfferAll(A02yyuw sensor, byte[] bytes)
    {
        bool any = false;
        foreach (byte b in bytes) any |= sensor.Offer(b);
        return any;
    }

    [Fact]
    public void The_datasheet_frame_is_1953_mm()
    {
        var sensor = new A02yyuw();
        Assert.False(sensor.Offer(0xFF));
        Assert.False(sensor.Offer(0x07));
        Assert.False(sensor.Offer(0xA1));
        Assert.True(sensor.Offer(0xA7));
        Assert.Equal(1953, sensor.DistanceMm);
    }

    [Fact]
    public void A_bad_checksum_is_counted_and_the_next_frame_is_taken()
    {
        var sensor = new A02yyuw();
        Assert.False(OfferAll(sensor, [0xFF, 0x07, 0xA1, 0xA8]));
        Assert.Equal(1, sensor.ChecksumErrors);
        Assert.Equal(0, sensor.DistanceMm);
        Assert.True(OfferAll(sensor, DatasheetFrame));
        Assert.Equal(1953, sensor.DistanceMm);
    }

    [Fact]
    public void Bytes_before_a_header_are_skipped()
    {
        var sensor = new A02yyuw();
        Assert.True(OfferAll(sensor, [0x12, 0xA7, 0x00, .. DatasheetFrame]));
        Assert.Equal(1953, sensor.DistanceMm);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    public void TryRead_finds_the_frame_in_any_chunking(int chunk)
    {
        var link = new StreamLink([0x07, 0xA1, .. DatasheetFrame], chunk);
        Assert.True(new A02yyuw().TryRead(link, new byte[16], 8));
    }

    [Fact]
    public void TryRead_is_false_when_the_sensor_is_silent()
    {
        var sensor = new A02yyuw();
        Assert.False(sensor.TryRead(new StreamLink([], 4), new byte[16], 8));
    }

    [Theory]
    [InlineData(29, false)]
    [InlineData(30, true)]
    [InlineData(4500, true)]
    [InlineData(4501, false)]
    public void The_datasheet_range_is_30_to_4500_mm(int distanceMm, bool inRange)
    {
        Assert.Equal(inRange, A02yyuw.InRange(distanceMm));
    }

    [Fact]
    public void Tank_level_is_the_floor_distance_minus_the_measured_distance()
    {
        var tank = new TankLevel(sensorToFloorMm: 2000);
        Assert.True(tank.TryLevelMm(1953, out int level));
        Assert.Equal(47, level);
        Assert.True(tank.TryLevelMm(30, out level));
        Assert.Equal(1970, level);
    }

    [Fact]
    public void Tank_level_refuses_an_echo_far_below_the_floor_and_clamps_noise_at_the_floor()
    {
        var tank = new TankLevel(sensorToFloorMm: 2000);
        Assert.True(tank.TryLevelMm(2010, out int level)); // within ±(10 + 0.3%) mm
        Assert.Equal(0, level);
        Assert.False(tank.TryLevelMm(2100, out _));
        Assert.False(tank.TryLevelMm(20, out _));
    }

    [Fact]
    public void Tank_level_refuses_a_floor_beyond_the_sensor_range()
    {
        Assert.Throws<ArgumentException>(() => new TankLevel(5000));
    }

    /// <summary>A UART that delivers the given bytes in pieces of at most `chunk`, then times out.</summary>
    private sealed class StreamLink(byte[] bytes, int chunk) : ISerialLink
    {
        private int _next;
        public void DiscardInput() { }
        public bool Write(byte[] buffer, int count) => true;

        public int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, chunk), bytes.Length - _next);
            Array.Copy(bytes, _next, buffer, offset, n);
            _next += n;
            return n;
        }
    }
}
