using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>CRC-16/MODBUS and the PZEM-004T v3 frames against published worked examples.</summary>
public sealed class ModbusAndPzemTests
{
    private static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", ""));

    [Fact]
    public void Crc_of_123456789_is_the_catalogued_check_value_0x4B37()
    {
        // CRC-16/MODBUS check value (Modbus over Serial Line V1.02, Appendix B; the CRC catalogue's "check").
        byte[] text = "123456789"u8.ToArray();
        Assert.Equal(0x4B37, Crc16Modbus.Compute(text, 0, text.Length));
    }

    [Fact]
    public void Read_request_matches_the_datasheet_example_01_04_00_00_00_0A_70_0D()
    {
        // PZEM-004T V3.0 datasheet, "read the measurement result": slave 0x01, 10 registers from 0x0000.
        var frame = new byte[Pzem004t.RequestLength];
        Assert.Equal(8, Pzem004t.BuildReadRequest(0x01, frame));
        Assert.Equal(Hex("01 04 00 00 00 0A 70 0D"), frame);
    }

    [Fact]
    public void Reset_energy_request_matches_the_datasheet_example_01_42_80_11()
    {
        var frame = new byte[Pzem004t.ResetLength];
        Assert.Equal(4, Pzem004t.BuildResetEnergy(0x01, frame));
        Assert.Equal(Hex("01 42 80 11"), frame);
    }

    [Fact]
    public void Crc_matches_the_classic_read_holding_registers_frame()
    {
        // The Modbus RTU frame "01 03 00 00 00 0A C5 CD" found in countless device manuals.
        byte[] frame = Hex("01 03 00 00 00 0A C5 CD");
        Assert.True(Crc16Modbus.Check(frame, frame.Length));
        frame[3] ^= 0x01;
        Assert.False(Crc16Modbus.Check(frame, frame.Length));
    }

    /// <summary>A read answer built from the datasheet register map: 220.0 V, the given current,
    /// power and energy words, 50.0 Hz, PF 1.00, no alarm.</summary>
    private static byte[] Answer(byte address, int currentLow, int currentHigh, int energyLow, int energyHigh, int alarm = 0)
    {
        int[] registers = { 0x0898, currentLow, currentHigh, 0x0898, 0x0000, energyLow, energyHigh, 0x01F4, 0x0064, alarm };
        var frame = new byte[Pzem004t.ResponseLength];
        frame[0] = address;
        frame[1] = 0x04;
        frame[2] = 20;
        for (int i = 0; i < registers.Length; i++)
        {
            frame[3 + 2 * i] = (byte)(registers[i] >> 8);
            frame[4 + 2 * i] = (byte)registers[i];
        }
        Crc16Modbus.Append(frame, 23);
        return frame;
    }

    [Fact]
    public void Read_answer_decodes_every_register_in_its_datasheet_resolution()
    {
        var reading = new PzemReading();
        byte[] frame = Answer(0x01, 0x03E8, 0x0000, 0x86A0, 0x0001);

        Assert.Equal(Pzem004t.Ok, Pzem004t.ParseReadResponse(frame, frame.Length, 0x01, reading));
        Assert.Equal(2200, reading.VoltageDeciV);          // 0x0898 = 220.0 V
        Assert.Equal(1000, reading.CurrentMilliA);         // 0x03E8 = 1.000 A
        Assert.Equal(2200, reading.PowerDeciW);            // 220.0 W
        Assert.Equal(100_000, reading.EnergyWh);           // low word first: 0x0001_86A0
        Assert.Equal(500, reading.FrequencyDeciHz);        // 50.0 Hz
        Assert.Equal(100, reading.PowerFactorCenti);       // 1.00
        Assert.False(reading.Alarm);
    }

    [Fact]
    public void Alarm_register_0xFFFF_reads_as_alarm()
    {
        var reading = new PzemReading();
        byte[] frame = Answer(0x01, 0, 0, 0, 0, alarm: 0xFFFF);
        Assert.Equal(Pzem004t.Ok, Pzem004t.ParseReadResponse(frame, frame.Length, 0x01, reading));
        Assert.True(reading.Alarm);
    }

    [Fact]
    public void A_short_answer_is_incomplete_and_a_longer_one_malformed()
    {
        var reading = new PzemReading();
        byte[] frame = Answer(0x01, 0, 0, 0, 0);
        Assert.Equal(Pzem004t.Incomplete, Pzem004t.ParseReadResponse(frame, 3, 0x01, reading));
        Assert.Equal(Pzem004t.Incomplete, Pzem004t.ParseReadResponse(frame, 24, 0x01, reading));
        var longer = new byte[26];
        frame.CopyTo(longer, 0);
        Assert.Equal(Pzem004t.Malformed, Pzem004t.ParseReadResponse(longer, 26, 0x01, reading));
    }

    [Fact]
    public void A_corrupted_byte_fails_the_crc_and_yields_no_values()
    {
        var reading = new PzemReading();
        byte[] frame = Answer(0x01, 0x03E8, 0, 5, 0);
        frame[10] ^= 0x40;
        Assert.Equal(Pzem004t.BadCrc, Pzem004t.ParseReadResponse(frame, frame.Length, 0x01, reading));
        Assert.Equal(0, reading.EnergyWh);
    }

    [Fact]
    public void An_answer_from_another_slave_is_refused_unless_the_general_address_was_asked()
    {
        var reading = new PzemReading();
        byte[] frame = Answer(0x02, 0, 0, 7, 0);
        Assert.Equal(Pzem004t.WrongAddress, Pzem004t.ParseReadResponse(frame, frame.Length, 0x01, reading));
        Assert.Equal(Pzem004t.Ok, Pzem004t.ParseReadResponse(frame, frame.Length, Pzem004t.GeneralAddress, reading));
        Assert.Equal(7, reading.EnergyWh);
    }

    [Fact]
    public void Exception_answer_reports_its_code()
    {
        // Slave 1, function 0x04 | 0x80, exception 0x02 (illegal address); CRC from the Modbus tables.
        var reading = new PzemReading();
        byte[] frame = Hex("01 84 02 C2 C1");
        Assert.Equal(Pzem004t.Exception, Pzem004t.ParseReadResponse(frame, frame.Length, 0x01, reading));
        Assert.Equal(2, reading.ExceptionCode);
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0xF9)]
    public void Addresses_outside_the_datasheet_range_are_caller_mistakes(int address)
    {
        Assert.Throws<ArgumentException>(() => Pzem004t.BuildReadRequest((byte)address, new byte[8]));
    }
}
