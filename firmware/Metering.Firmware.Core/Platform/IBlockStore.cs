namespace Commons.Metering.Firmware.Platform
{
    /// <summary>A small erase-before-write store: a flash partition, a file on a host, or a
    /// test double that cuts the power at a chosen byte.
    /// Semantics follow NOR flash: <see cref="Erase"/> sets a whole block to 0xFF; a write may
    /// be interrupted after any byte (the bytes before it are written, the rest are not).</summary>
    public interface IBlockStore
    {
        int BlockSize { get; }
        int BlockCount { get; }
        void Read(int block, int offset, byte[] buffer, int index, int count);
        void Write(int block, int offset, byte[] data, int index, int count);
        void Erase(int block);
    }
}
