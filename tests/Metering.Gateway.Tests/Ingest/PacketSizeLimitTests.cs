using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>The packet follower of the broker's size limit: it finds each fixed header however the
/// reads split the stream, and stops at the one that announces too much.</summary>
public sealed class PacketSizeLimitTests
{
    private const int Limit = 2_048;

    /// <summary>A packet: type byte, remaining length (variable byte integer), body of zeros.</summary>
    private static byte[] Packet(byte type, int bodyBytes)
    {
        var bytes = new List<byte> { type };
        for (var n = bodyBytes; ; n >>= 7)
        {
            bytes.Add((byte)((n & 0x7F) | (n > 0x7F ? 0x80 : 0)));
            if (n <= 0x7F) break;
        }
        bytes.AddRange(new byte[bodyBytes]);
        return bytes.ToArray();
    }

    private static (List<long> Refused, Exception? Error) Feed(byte[] stream, int chunk)
    {
        var refused = new List<long>();
        var channel = new PacketSizeLimitedChannel(null!, Limit, refused.Add);
        try
        {
            for (var i = 0; i < stream.Length; i += chunk) channel.Follow(stream.AsSpan(i, Math.Min(chunk, stream.Length - i)));
            return (refused, null);
        }
        catch (PacketTooLargeException e)
        {
            return (refused, e);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public void PacketsWithinTheLimit_PassInAnyChunking(int chunk)
    {
        // CONNECT, a PUBLISH of exactly the limit (1 type + 2 length bytes + body), PINGREQ (no body).
        var stream = Packet(0x10, 40).Concat(Packet(0x32, Limit - 3)).Concat(Packet(0xC0, 0)).Concat(Packet(0x32, 200)).ToArray();
        var (refused, error) = Feed(stream, chunk);
        Assert.Null(error);
        Assert.Empty(refused);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4096)]
    public void AConnectAnnouncing250Megabytes_IsRefusedAtItsFixedHeader(int chunk)
    {
        var header = Packet(0x10, 0)[..1].Concat(new byte[] { 0x80, 0xE5, 0x9A, 0x77 }).ToArray(); // 250,000,000 as a variable byte integer
        var (refused, error) = Feed(header, chunk);
        Assert.NotNull(error);
        Assert.Equal([1 + 4 + 250_000_000L], refused);
        Assert.Contains("Metering:Broker:MaxPacketBytes", error!.Message);
    }

    [Fact]
    public void APacketOneByteOverTheLimit_AfterGoodOnes_IsRefused()
    {
        var stream = Packet(0x10, 40).Concat(Packet(0x32, Limit - 2)).ToArray();
        var (refused, _) = Feed(stream, 7);
        Assert.Equal([Limit + 1L], refused);
    }

    [Fact]
    public void AFifthLengthByte_IsRefusedAsMalformed()
    {
        var (refused, error) = Feed([0x10, 0x80, 0x80, 0x80, 0x80, 0x01], 1);
        Assert.NotNull(error);
        Assert.Equal([long.MaxValue], refused);
    }
}
