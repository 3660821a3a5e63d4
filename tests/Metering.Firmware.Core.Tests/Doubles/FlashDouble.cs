using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Tests.Doubles;

/// <summary>Thrown by <see cref="FlashDouble"/> once its power is cut.</summary>
public sealed class PowerCutException : Exception
{
    public PowerCutException() : base("power cut") { }
}

/// <summary>In-memory NOR flash: erase sets a block to 0xFF, programming can only clear bits
/// (setting one is reported as a bug in the code under test), and the power can be cut after
/// the k-th programmed byte: those k bytes land, the rest of that write does not, and every
/// later operation fails until <see cref="PowerOn"/> (the reboot).</summary>
public sealed class FlashDouble : IBlockStore
{
    private readonly byte[] _bytes;
    private long _budget = -1;

    public FlashDouble(int blockSize = 4096, int blockCount = 16)
    {
        BlockSize = blockSize;
        BlockCount = blockCount;
        _bytes = new byte[blockSize * blockCount];
        Array.Fill(_bytes, (byte)0xFF);
        EraseCounts = new int[blockCount];
    }

    private FlashDouble(FlashDouble other)
    {
        BlockSize = other.BlockSize;
        BlockCount = other.BlockCount;
        _bytes = (byte[])other._bytes.Clone();
        EraseCounts = (int[])other.EraseCounts.Clone();
    }

    public int BlockSize { get; }
    public int BlockCount { get; }
    public int[] EraseCounts { get; }
    public long BytesProgrammed { get; private set; }
    public bool PoweredOff { get; private set; }

    /// <summary>Lets <paramref name="bytes"/> more bytes be programmed, then cuts the power.</summary>
    public void CutPowerAfter(long bytes) => _budget = bytes;

    /// <summary>Power back on (a reboot): no cut armed.</summary>
    public void PowerOn()
    {
        PoweredOff = false;
        _budget = -1;
    }

    public FlashDouble Clone() => new(this);

    public void Read(int block, int offset, byte[] buffer, int index, int count)
    {
        Check(block, offset, count);
        Array.Copy(_bytes, block * BlockSize + offset, buffer, index, count);
    }

    public void Write(int block, int offset, byte[] data, int index, int count)
    {
        Check(block, offset, count);
        int at = block * BlockSize + offset;
        for (int i = 0; i < count; i++)
        {
            if (_budget == 0)
            {
                PoweredOff = true;
                throw new PowerCutException();
            }
            byte old = _bytes[at + i];
            byte value = data[index + i];
            if ((old & value) != value)
            {
                throw new InvalidOperationException($"NOR flash cannot set bits without an erase: block {block} offset {offset + i}");
            }
            _bytes[at + i] = value;
            BytesProgrammed++;
            if (_budget > 0)
            {
                _budget--;
            }
        }
    }

    public void Erase(int block)
    {
        Check(block, 0, 0);
        if (_budget == 0)
        {
            PoweredOff = true;
            throw new PowerCutException();
        }
        Array.Fill(_bytes, (byte)0xFF, block * BlockSize, BlockSize);
        EraseCounts[block]++;
    }

    private void Check(int block, int offset, int count)
    {
        if (PoweredOff)
        {
            throw new PowerCutException();
        }
        if (block < 0 || block >= BlockCount || offset < 0 || count < 0 || offset + count > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(block), $"block {block} offset {offset} count {count}");
        }
    }
}
