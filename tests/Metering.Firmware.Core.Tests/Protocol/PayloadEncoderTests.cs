using System.Text;
using System.Text.Json;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Protocol;

namespace Commons.Metering.Tests.Protocol;

public class PayloadEncoderTests
{
    public static TheoryData<string> DeviceEncoded =>
        Vectors.Files(Vectors.Index.GetProperty("valid").EnumerateArray()
            .Where(v => v.GetProperty("encoded_by_device").GetBoolean()));

    /// <summary>Encodes the fields vectors.json lists for each device-encoded vector and
    /// compares with the golden file byte for byte.</summary>
    [Theory]
    [MemberData(nameof(DeviceEncoded))]
    public void Encoder_output_matches_golden_vector_byte_for_byte(string file)
    {
        var entry = Vectors.Entry(file);
        var expect = entry.GetProperty("expect");
        var w = new JsonWriter(Limits.MaxPayloadBytes);
        switch (entry.GetProperty("type").GetString())
        {
            case "reading":
                PayloadEncoder.BeginReading(w, expect.GetProperty("seq").GetInt64(), expect.GetProperty("ts").GetInt64());
                int i = 0;
                foreach (var ch in expect.GetProperty("ch").EnumerateArray())
                {
                    PayloadEncoder.Channel(w, i++, Ascii(ch.GetProperty("n")), Ascii(ch.GetProperty("u")), ch.GetProperty("reg").GetInt64());
                }
                byte[] permit = expect.TryGetProperty("permit", out var p) ? Ascii(p) : [];
                PayloadEncoder.EndReading(w, permit, 0, permit.Length);
                break;
            case "event":
                byte[] channel = expect.TryGetProperty("ch", out var c) ? Ascii(c) : [];
                byte[] detail = expect.TryGetProperty("detail", out var d) ? Ascii(d) : [];
                byte kind = (byte)Words.IndexOf(Words.EventKinds, expect.GetProperty("kind").GetString());
                PayloadEncoder.Event(w, expect.GetProperty("seq").GetInt64(), expect.GetProperty("ts").GetInt64(), kind,
                    channel, 0, channel.Length, detail, 0, detail.Length);
                break;
            case "status" when expect.GetProperty("state").GetString() == "online":
                PayloadEncoder.StatusOnline(w, Ascii(expect.GetProperty("fw")), expect.GetProperty("boot").GetInt32(),
                    expect.GetProperty("outbox").GetInt32(), expect.GetProperty("confirm").GetInt32(), true, expect.GetProperty("ts").GetInt64());
                break;
            case "status":
                PayloadEncoder.StatusOffline(w);
                break;
            case "ack":
                byte[] cid = Ascii(expect.GetProperty("cid"));
                byte reason = expect.TryGetProperty("err", out var err)
                    ? (byte)Words.IndexOf(Words.AckReasons, err.GetString())
                    : AckReason.None;
                PayloadEncoder.Ack(w, cid, 0, cid.Length, reason, expect.GetProperty("ts").GetInt64());
                break;
            case "gauge":
                GaugeEncoder.Begin(w, expect.GetProperty("seq").GetInt64(), expect.GetProperty("ts").GetInt64());
                int k = 0;
                foreach (var g in expect.GetProperty("g").EnumerateArray())
                {
                    GaugeEncoder.Gauge(w, k++, Ascii(g.GetProperty("n")),
                        Words.IndexOf(GaugeWords.Quantities, g.GetProperty("q").GetString()),
                        Words.IndexOf(GaugeWords.Sensors, g.GetProperty("s").GetString()),
                        g.GetProperty("last").GetInt32(), g.GetProperty("min").GetInt32(), g.GetProperty("max").GetInt32(),
                        g.GetProperty("mean").GetInt32(), g.GetProperty("samples").GetInt32());
                }
                GaugeEncoder.End(w);
                break;
            default:
                Assert.Fail($"no encoder for {file}");
                break;
        }

        Assert.Equal(Encoding.ASCII.GetString(Vectors.Bytes(file)), Encoding.ASCII.GetString(w.Buffer, 0, w.Length));
        Assert.Equal(Vectors.Bytes(file), w.Buffer[..w.Length]);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(7L, "7")]
    [InlineData(10L, "10")]
    [InlineData(-1L, "-1")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void Int64_is_written_in_plain_decimal(long value, string expected)
    {
        var w = new JsonWriter(32);
        w.Int64(value);
        Assert.Equal(expected, Encoding.ASCII.GetString(w.Buffer, 0, w.Length));
    }

    [Fact]
    public void Status_without_a_set_clock_leaves_ts_out()
    {
        var w = new JsonWriter(128);
        PayloadEncoder.StatusOnline(w, Ascii("1.0.0"), 2, 0, 1, false, 0);
        Assert.Equal("""{"v":1,"state":"online","fw":"1.0.0","boot":2,"outbox":0,"confirm":1}""", Encoding.ASCII.GetString(w.Buffer, 0, w.Length));
    }

    [Fact]
    public void Writer_refuses_to_overrun_its_buffer()
    {
        var w = new JsonWriter(4);
        w.Raw(Ascii("abcd"));
        Assert.Throws<InvalidOperationException>(() => w.Byte((byte)'e'));
    }

    private static byte[] Ascii(JsonElement e) => Encoding.ASCII.GetBytes(e.GetString()!);

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
}
