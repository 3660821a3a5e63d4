using Commons.Metering.Firmware.Platform;
using Microsoft.Win32.SafeHandles;

namespace Commons.Metering.Firmware.Host.Platform;

/// <summary>What a write must survive before it returns.</summary>
public enum BlockStoreDurability
{
    /// <summary>Each write is handed to the kernel (pwrite, no user-space buffer) before it
    /// returns: a killed process keeps every completed write. Fast; the fleet simulator's choice.</summary>
    ProcessCrash,

    /// <summary>Each write and erase is also flushed to the disk (fsync): a power cut keeps
    /// it too. Slow (milliseconds per write on most disks); the choice on a real board.</summary>
    PowerLoss,
}

/// <summary>An <see cref="IBlockStore"/> in a file of BlockSize x BlockCount bytes. A new file
/// starts erased (every byte 0xFF, as NOR flash leaves the factory); an existing file is
/// reopened as it is, so a restarted process finds what the last one wrote. Writes overwrite
/// (as the littlefs file behind the ESP32's store does) and go straight to the kernel.</summary>
public sealed class FileBlockStore : IBlockStore, IDisposable
{
    /// <summary>ESP32 SPI flash erases 4 KiB sectors (ESP32 technical reference manual, SPI flash).</summary>
    public const int DefaultBlockSize = 4096;

    /// <summary>16 x 4 KiB = 64 KiB, the geometry the core's flash layout is planned for
    /// (Metering.Firmware.Core/Storage/FlashLayout.cs): 4 totals blocks, two outbox halves of 6.</summary>
    public const int DefaultBlockCount = 16;

    private readonly SafeFileHandle _handle;
    private readonly BlockStoreDurability _durability;
    private readonly byte[] _erased;
    private readonly object _gate = new();
    private bool _disposed;

    public FileBlockStore(string path, int blockSize = DefaultBlockSize, int blockCount = DefaultBlockCount,
        BlockStoreDurability durability = BlockStoreDurability.ProcessCrash)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockCount);
        Path = System.IO.Path.GetFullPath(path);
        BlockSize = blockSize;
        BlockCount = blockCount;
        _durability = durability;
        _erased = new byte[blockSize];
        Array.Fill(_erased, (byte)0xFF);

        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        _handle = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var expected = (long)blockSize * blockCount;
        var length = RandomAccess.GetLength(_handle);
        if (length != 0 && length != expected)
        {
            _handle.Dispose();
            throw new InvalidOperationException(
                $"{Path} holds {length} bytes but the store was opened as {blockCount} blocks of {blockSize} bytes ({expected} bytes)");
        }
        if (length == 0)
        {
            // A fresh file reads as erased flash, not as zeros.
            for (var b = 0; b < blockCount; b++) RandomAccess.Write(_handle, _erased, (long)b * blockSize);
            RandomAccess.FlushToDisk(_handle);
        }
    }

    public string Path { get; }
    public int BlockSize { get; }
    public int BlockCount { get; }

    public void Read(int block, int offset, byte[] buffer, int index, int count)
    {
        Check(block, offset, buffer, index, count);
        lock (_gate)
        {
            ThrowIfDisposed();
            var position = (long)block * BlockSize + offset;
            var done = 0;
            while (done < count)
            {
                var n = RandomAccess.Read(_handle, buffer.AsSpan(index + done, count - done), position + done);
                if (n <= 0) throw new IOException($"{Path}: unexpected end of file at {position + done}");
                done += n;
            }
        }
    }

    public void Write(int block, int offset, byte[] data, int index, int count)
    {
        Check(block, offset, data, index, count);
        lock (_gate)
        {
            ThrowIfDisposed();
            RandomAccess.Write(_handle, new ReadOnlySpan<byte>(data, index, count), (long)block * BlockSize + offset);
            if (_durability == BlockStoreDurability.PowerLoss) RandomAccess.FlushToDisk(_handle);
        }
    }

    public void Erase(int block)
    {
        if ((uint)block >= (uint)BlockCount)
            throw new ArgumentOutOfRangeException(nameof(block), block, $"store has {BlockCount} blocks");
        lock (_gate)
        {
            ThrowIfDisposed();
            RandomAccess.Write(_handle, _erased, (long)block * BlockSize);
            if (_durability == BlockStoreDurability.PowerLoss) RandomAccess.FlushToDisk(_handle);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _handle.Dispose();
        }
    }

    private void Check(int block, int offset, byte[] buffer, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if ((uint)block >= (uint)BlockCount)
            throw new ArgumentOutOfRangeException(nameof(block), block, $"store has {BlockCount} blocks");
        if (offset < 0 || count < 0 || offset + count > BlockSize)
            throw new ArgumentOutOfRangeException(nameof(count), $"offset {offset} + count {count} crosses a {BlockSize}-byte block");
        if (index < 0 || index + count > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} + count {count} exceeds the buffer ({buffer.Length})");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
