using System;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Storage
{
    /// <summary>How the block store is shared: the first quarter of the blocks (at least two) is
    /// the totals ring, the rest two equal outbox halves (an odd block left over stays unused).
    /// 16 blocks of 4 KB (64 KB): 4 totals blocks, two outbox halves of 6 blocks. The geometry
    /// must not change over a device's life (totals-ring.md).</summary>
    internal sealed class FlashLayout
    {
        public readonly int TotalsFirstBlock;
        public readonly int TotalsBlockCount;
        public readonly int OutboxFirstBlock;
        public readonly int OutboxBlocksPerHalf;

        public FlashLayout(IBlockStore store)
        {
            if (store.BlockSize < Limits.MinBlockSize || store.BlockCount < Limits.MinBlockCount)
            {
                throw new ArgumentException("the block store needs at least 4 blocks of 1024 bytes");
            }
            TotalsFirstBlock = 0;
            TotalsBlockCount = store.BlockCount / 4 < 2 ? 2 : store.BlockCount / 4;
            OutboxFirstBlock = TotalsBlockCount;
            OutboxBlocksPerHalf = (store.BlockCount - TotalsBlockCount) / 2;
        }
    }
}
