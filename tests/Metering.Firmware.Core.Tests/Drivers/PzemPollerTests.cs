using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The shared PZEM-004T poll (ESP32 application and Raspberry Pi driver) over a scripted
/// serial link, with datasheet frames.</summary>
public sealed class PzemPollerTests
{
    /// <summary>PZEM-004T V3.0 datasheet, "read the measurement result": slave 0x01, 10 registers from 0x0000.</summary>
    private const string DatasheetRequest = "01 04 00 00 00 0A 70 0D";

    /// <summary>A read answer laid out by the datasheet register map: 220.0 V (0x0898), 1.000 A
    /// (0x03E8, low word first), 220.0 W, 100 000 Wh (0x0001_86A0, low word first), 50.0 Hz, PF 1.00,
    /// no alarm; CRC-16/MODBUS 0xFE6C, low byte first.</summary>
    private const string DatasheetAnswer = "01 04 14 08 98 03 E8 00 00 08 98 00 00 86 A0 00 01 01 F4 00 64 00 00 6C FE";

    /// <summary>Modbus exception answer: slave 1, function 0x04 | 0x80, code 0x02 (illegal address).</summary>
    private const string ExceptionAnswer = "01 84 02 C2 C1";

    private static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", ""));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(25)]
    public void Poll_sends_the_datasheet_request_and_samples_the_energy_of_an_answer_arriving_in_pieces(int chunk)
    {
        var rig = Rig.Started(Rig.EnergyMeter);
        var link = new ScriptedLink(Hex(DatasheetAnswer), chunk);
        var poller = new PzemPoller(link, 0x01, rig.EnergyChannel);
        var reading = new PzemReading();

        Assert.True(poller.Poll(reading));

        Assert.Equal(Hex(DatasheetRequest), link.Written);
        Assert.Equal(Pzem004t.Ok, poller.LastStatus);
        Assert.Equal(2200, reading.VoltageDeciV);
        Assert.Equal(1000, reading.CurrentMilliA);
        Assert.Equal(100_000, reading.EnergyWh);
        Assert.Equal(100_000, rig.EnergyChannel.Register);
        Assert.Equal((1L, 0L), (poller.Polls, poller.Failures));
    }

    [Fact]
    public void An_exception_answer_ends_the_poll_after_its_five_bytes_and_leaves_the_register()
    {
        var rig = Rig.Started(Rig.EnergyMeter);
        rig.EnergyChannel.Sample(42);
        var link = new ScriptedLink(Hex(ExceptionAnswer), chunk: 1);
        var poller = new PzemPoller(link, 0x01, rig.EnergyChannel);
        var reading = new PzemReading();

        Assert.False(poller.Poll(reading));

        Assert.Equal(Pzem004t.Exception, poller.LastStatus);
        Assert.Equal(2, reading.ExceptionCode);
        Assert.Equal(5, link.Reads); // no wait for bytes that will never come
        Assert.Equal(42, rig.EnergyChannel.Register);
    }

    [Fact]
    public void Silence_is_no_answer_and_counts_a_failure()
    {
        var link = new ScriptedLink([], chunk: 25);
        var poller = new PzemPoller(link, Pzem004t.GeneralAddress, channel: null!);

        Assert.False(poller.Poll(new PzemReading()));

        Assert.Equal(PzemPoller.NoAnswer, poller.LastStatus);
        Assert.Equal((1L, 1L), (poller.Polls, poller.Failures));
    }

    [Fact]
    public void A_frame_cut_off_by_a_timeout_is_no_answer_not_a_value()
    {
        var rig = Rig.Started(Rig.EnergyMeter);
        var link = new ScriptedLink(Hex(DatasheetAnswer)[..12], chunk: 4);
        var poller = new PzemPoller(link, 0x01, rig.EnergyChannel);
        var reading = new PzemReading();

        Assert.False(poller.Poll(reading));

        Assert.Equal(PzemPoller.NoAnswer, poller.LastStatus);
        Assert.Equal(0, reading.VoltageDeciV);
        Assert.Equal(0, rig.EnergyChannel.Register);
    }

    [Fact]
    public void A_late_answer_to_an_earlier_poll_is_dropped_before_the_request()
    {
        var rig = Rig.Started(Rig.EnergyMeter);
        var link = new ScriptedLink(Hex(DatasheetAnswer), chunk: 25) { Stale = Hex(ExceptionAnswer) };
        var poller = new PzemPoller(link, 0x01, rig.EnergyChannel);

        Assert.True(poller.Poll(new PzemReading()));
        Assert.Equal(100_000, rig.EnergyChannel.Register);
    }

    [Fact]
    public void A_corrupted_answer_fails_the_crc()
    {
        var answer = Hex(DatasheetAnswer);
        answer[14] ^= 0x01; // energy low word
        var rig = Rig.Started(Rig.EnergyMeter);
        var poller = new PzemPoller(new ScriptedLink(answer, chunk: 25), 0x01, rig.EnergyChannel);

        Assert.False(poller.Poll(new PzemReading()));
        Assert.Equal(Pzem004t.BadCrc, poller.LastStatus);
        Assert.Equal(0, rig.EnergyChannel.Register);
    }

    [Fact]
    public void A_failed_write_reads_nothing()
    {
        var link = new ScriptedLink(Hex(DatasheetAnswer), chunk: 25) { WriteFails = true };
        var poller = new PzemPoller(link, 0x01, channel: null!);

        Assert.False(poller.Poll(new PzemReading()));
        Assert.Equal(PzemPoller.NoAnswer, poller.LastStatus);
        Assert.Equal(0, link.Reads);
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0xF9)]
    public void Addresses_outside_the_datasheet_range_are_caller_mistakes(int address)
    {
        Assert.Throws<ArgumentException>(() => new PzemPoller(new ScriptedLink([], 1), address, channel: null!));
    }

    /// <summary>A serial link whose device answers each request with <c>answer</c>, handed out
    /// <c>chunk</c> bytes per read; an empty input is a timeout (0).</summary>
    private sealed class ScriptedLink(byte[] answer, int chunk) : ISerialLink
    {
        private readonly Queue<byte> _input = new();

        /// <summary>Bytes already waiting in the input before the poll (a late earlier answer).</summary>
        public byte[] Stale { init { foreach (var b in value) _input.Enqueue(b); } }

        public bool WriteFails { get; init; }
        public byte[] Written { get; private set; } = [];
        public int Reads { get; private set; }

        public void DiscardInput() => _input.Clear();

        public bool Write(byte[] buffer, int count)
        {
            if (WriteFails) return false;
            Written = buffer[..count];
            foreach (var b in answer) _input.Enqueue(b);
            return true;
        }

        public int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            var n = 0;
            while (n < count && n < chunk && _input.Count > 0) buffer[offset + n++] = _input.Dequeue();
            return n;
        }
    }
}
