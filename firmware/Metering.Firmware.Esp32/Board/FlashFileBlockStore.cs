using System;
using System.IO;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>The core's block store as one fixed-size file on the internal drive I:\ (littlefs):
    /// a new file is all 0xFF, Erase writes 0xFF over a block, every write is flushed before it
    /// returns. The core's CRC'd records survive a write cut short by a power loss.</summary>
    internal sealed class FlashFileBlockStore : IBlockStore
    {
        public const string DevicePath = "I:\\metering.flash";

        /// <summary>16 x 4 KB = 64 KB of the 256 KB drive: the geometry the core's flash-wear
        /// figures were measured with (firmware/Metering.Firmware.Core/README.md, Flash). It must
        /// never change on a deployed device.</summary>
        public const int DefaultBlockSize = 4096;
        public const int DefaultBlockCount = 16;

        private readonly FileStream _file;
        private readonly byte[] _erased;

        public FlashFileBlockStore(string path, int blockSize, int blockCount)
        {
            BlockSize = blockSize;
            BlockCount = blockCount;
            _erased = new byte[blockSize];
            for (int i = 0; i < blockSize; i++)
            {
                _erased[i] = 0xFF;
            }
            bool created = !File.Exists(path);
            _file = new FileStream(path, created ? FileMode.Create : FileMode.Open, FileAccess.ReadWrite);
            if (created)
            {
                for (int block = 0; block < blockCount; block++)
                {
                    _file.Write(_erased, 0, blockSize);
                }
                _file.Flush();
            }
            else if (_file.Length != (long)blockSize * blockCount)
            {
                throw new InvalidOperationException(path + " has another geometry; it must never change");
            }
        }

        public int BlockSize { get; private set; }

        public int BlockCount { get; private set; }

        public void Read(int block, int offset, byte[] buffer, int index, int count)
        {
            _file.Seek((long)block * BlockSize + offset, SeekOrigin.Begin);
            int read = 0;
            while (read < count)
            {
                int n = _file.Read(buffer, index + read, count - read);
                if (n <= 0)
                {
                    throw new IOException("short read from the block store");
                }
                read += n;
            }
        }

        public void Write(int block, int offset, byte[] data, int index, int count)
        {
            _file.Seek((long)block * BlockSize + offset, SeekOrigin.Begin);
            _file.Write(data, index, count);
            _file.Flush();
        }

        public void Erase(int block)
        {
            _file.Seek((long)block * BlockSize, SeekOrigin.Begin);
            _file.Write(_erased, 0, BlockSize);
            _file.Flush();
        }
    }
}
