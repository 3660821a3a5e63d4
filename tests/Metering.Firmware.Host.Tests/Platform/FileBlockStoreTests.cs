using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Platform;

public sealed class FileBlockStoreTests
{
    [Fact]
    public void NewStore_ReadsAsErasedFlash()
    {
        using var dir = new TempDir();
        using var store = new FileBlockStore(dir.File("m.flash"), blockSize: 256, blockCount: 4);
        var buffer = new byte[256];
        for (var b = 0; b < 4; b++)
        {
            store.Read(b, 0, buffer, 0, 256);
            Assert.All(buffer, x => Assert.Equal(0xFF, x));
        }
        Assert.Equal(1024, new FileInfo(dir.File("m.flash")).Length);
    }

    [Fact]
    public void Write_ThenRead_ReturnsTheBytesAtTheirOffset()
    {
        using var dir = new TempDir();
        using var store = new FileBlockStore(dir.File("m.flash"), 256, 4);
        store.Write(2, 10, new byte[] { 9, 1, 2, 3, 9 }, 1, 3);
        var buffer = new byte[6];
        store.Read(2, 9, buffer, 0, 6);
        Assert.Equal(new byte[] { 0xFF, 1, 2, 3, 0xFF, 0xFF }, buffer);
        store.Read(1, 10, buffer, 0, 3);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF }, buffer[..3]);
    }

    [Fact]
    public void Erase_SetsOnlyThatBlockTo0xFF()
    {
        using var dir = new TempDir();
        using var store = new FileBlockStore(dir.File("m.flash"), 64, 3);
        var zeros = new byte[64];
        for (var b = 0; b < 3; b++) store.Write(b, 0, zeros, 0, 64);
        store.Erase(1);
        var buffer = new byte[64];
        store.Read(1, 0, buffer, 0, 64);
        Assert.All(buffer, x => Assert.Equal(0xFF, x));
        store.Read(0, 0, buffer, 0, 64);
        Assert.All(buffer, x => Assert.Equal(0, x));
        store.Read(2, 0, buffer, 0, 64);
        Assert.All(buffer, x => Assert.Equal(0, x));
    }

    [Fact]
    public void Reopen_KeepsWhatWasWritten()
    {
        using var dir = new TempDir();
        using (var store = new FileBlockStore(dir.File("m.flash"), 128, 2))
        {
            store.Write(1, 100, new byte[] { 42, 43 }, 0, 2);
            store.Erase(0);
        }
        using var again = new FileBlockStore(dir.File("m.flash"), 128, 2);
        var buffer = new byte[2];
        again.Read(1, 100, buffer, 0, 2);
        Assert.Equal(new byte[] { 42, 43 }, buffer);
    }

    [Fact]
    public void Write_IsVisibleToAnotherReaderBeforeDispose()
    {
        // What a killed process leaves behind is what the kernel has: no user-space buffering.
        using var dir = new TempDir();
        using var store = new FileBlockStore(dir.File("m.flash"), 128, 2);
        store.Write(0, 5, new byte[] { 7, 8, 9 }, 0, 3);
        using var other = new FileStream(dir.File("m.flash"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = new byte[8];
        other.ReadExactly(bytes);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 7, 8, 9 }, bytes);
    }

    [Fact]
    public void Reopen_WithAnotherGeometry_Throws()
    {
        using var dir = new TempDir();
        new FileBlockStore(dir.File("m.flash"), 128, 2).Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => new FileBlockStore(dir.File("m.flash"), 128, 4));
        Assert.Contains("256 bytes", e.Message);
    }

    [Theory]
    [InlineData(2, 0, 1)]
    [InlineData(-1, 0, 1)]
    [InlineData(0, 120, 9)]
    [InlineData(0, -1, 1)]
    public void Write_OutsideTheStoreOrAcrossABlock_Throws(int block, int offset, int count)
    {
        using var dir = new TempDir();
        using var store = new FileBlockStore(dir.File("m.flash"), 128, 2);
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => store.Write(block, offset, new byte[16], 0, count));
    }

    [Fact]
    public void PowerLossDurability_WritesAndReadsLikeTheDefault()
    {
        using var dir = new TempDir();
        using var store = new FileBlockStore(dir.File("m.flash"), 64, 2, BlockStoreDurability.PowerLoss);
        store.Write(1, 0, new byte[] { 1, 2 }, 0, 2);
        store.Erase(0);
        var buffer = new byte[2];
        store.Read(1, 0, buffer, 0, 2);
        Assert.Equal(new byte[] { 1, 2 }, buffer);
    }
}
