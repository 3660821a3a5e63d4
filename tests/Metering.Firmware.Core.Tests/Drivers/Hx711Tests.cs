using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>HX711 output coding (datasheet: 24-bit two's complement, 0x7FFFFF MAX, 0x800000 MIN)
/// and the counts-to-grams calibration.</summary>
public sealed class Hx711Tests
{
    [Theory]
    [InlineData(0x7FFFFF, 8_388_607)]
    [InlineData(0x800000, -8_388_608)]
    [InlineData(0xFFFFFF, -1)]
    [InlineData(0x000001, 1)]
    [InlineData(0x000000, 0)]
    [InlineData(0x400000, 4_194_304)]
    public void Raw_bits_convert_as_24_bit_twos_complement(int raw, int counts)
    {
        Assert.Equal(counts, Hx711.ToCounts(raw));
    }

    [Fact]
    public void Only_the_two_saturation_codes_are_saturated()
    {
        Assert.True(Hx711.IsSaturated(Hx711.ToCounts(0x7FFFFF)));
        Assert.True(Hx711.IsSaturated(Hx711.ToCounts(0x800000)));
        Assert.False(Hx711.IsSaturated(Hx711.ToCounts(0x7FFFFE)));
        Assert.False(Hx711.IsSaturated(Hx711.ToCounts(0x800001)));
    }

    [Theory]
    [InlineData(128, 25)]
    [InlineData(32, 26)]
    [InlineData(64, 27)]
    public void Pulses_per_read_select_the_next_gain_as_in_the_datasheet_table(int gain, int pulses)
    {
        Assert.Equal(pulses, Hx711.PulsesPerRead(gain));
    }

    [Fact]
    public void Tare_and_a_reference_weight_give_grams()
    {
        // A 50 kg cell at gain 128 on a 5 V excitation gives roughly 21,000 counts per kg.
        var scale = new LoadCellCalibration();
        scale.Tare(-8_120);
        scale.Calibrate(-8_120 + 105_000, 5_000);          // a 5 kg reference weight
        Assert.Equal((5_000L, 105_000L), (scale.GramsNumerator, scale.CountsDenominator));

        Assert.True(scale.TryGrams(-8_120 + 2_100_000, out long grams));
        Assert.Equal(100_000, grams);                       // 100 kg of firewood
        Assert.True(scale.TryGrams(-8_120, out grams));
        Assert.Equal(0, grams);
    }

    [Fact]
    public void Grams_truncate_toward_zero_as_the_calibrate_command_computes_them()
    {
        var scale = new LoadCellCalibration { OffsetCounts = 0, GramsNumerator = 1, CountsDenominator = 2 }; // 2 counts per gram
        Assert.True(scale.TryGrams(3, out long grams));
        Assert.Equal(1, grams);                              // 1.5 g -> 1
        Assert.True(scale.TryGrams(-3, out grams));
        Assert.Equal(-1, grams);                             // -1.5 g -> -1
        Assert.True(scale.TryGrams(8_388_606, out grams));
        Assert.Equal(4_194_303, grams);                      // no overflow at full scale
    }

    [Fact]
    public void A_cell_that_reads_down_under_load_calibrates_to_a_negative_numerator()
    {
        var scale = new LoadCellCalibration();
        scale.Tare(1_000);
        scale.Calibrate(1_000 - 42_000, 2_000);
        Assert.Equal((-2_000L, 42_000L), (scale.GramsNumerator, scale.CountsDenominator));
        Assert.True(scale.TryGrams(1_000 - 21_000, out long grams));
        Assert.Equal(1_000, grams);
    }

    [Fact]
    public void No_grams_from_an_uncalibrated_scale_or_a_saturated_reading()
    {
        var scale = new LoadCellCalibration();
        Assert.False(scale.TryGrams(1234, out _));
        scale.GramsNumerator = 1_000;
        scale.CountsDenominator = 21_000;
        Assert.False(scale.TryGrams(Hx711.MaxCounts, out _));
        Assert.False(scale.TryGrams(Hx711.MinCounts, out _));
        Assert.Throws<ArgumentException>(() => scale.Tare(Hx711.MaxCounts));
        Assert.Throws<ArgumentException>(() => scale.Calibrate(500, 0));
        Assert.Throws<ArgumentException>(() => scale.Calibrate((int)scale.OffsetCounts, 1_000));
    }

    [Fact]
    public void Median_ignores_one_wild_reading_and_the_trimmed_mean_drops_the_ends()
    {
        var filter = new SampleFilter(5);
        foreach (long s in new long[] { 100, 102, 8_388_607, 101, 99 })
        {
            filter.Add(s);
        }
        Assert.True(filter.TryMedian(out long median));
        Assert.Equal(101, median);
        Assert.True(filter.TryTrimmedMean(1, out long mean));
        Assert.Equal(101, mean);                             // (100 + 101 + 102) / 3
    }

    [Fact]
    public void A_full_window_drops_the_oldest_sample()
    {
        var filter = new SampleFilter(3);
        foreach (long s in new long[] { 1_000, 1_000, 1_000, 5, 6, 7 })
        {
            filter.Add(s);
        }
        Assert.True(filter.IsFull);
        Assert.True(filter.TryMedian(out long median));
        Assert.Equal(6, median);
    }

    [Fact]
    public void An_empty_filter_has_no_median_and_overtrimming_has_no_mean()
    {
        var filter = new SampleFilter(4);
        Assert.False(filter.TryMedian(out _));
        filter.Add(1);
        filter.Add(2);
        Assert.False(filter.TryTrimmedMean(1, out _));
        Assert.True(filter.TryTrimmedMean(0, out long mean));
        Assert.Equal(2, mean);                               // 1.5 rounds to 2
    }
}
