namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>Counts to grams for an HX711 load cell as an exact fraction, the form the technicians'
    /// tool computes (tools/Metering.Cli, calibrate): grams = (counts - OffsetCounts) x GramsNumerator
    /// / CountsDenominator, truncated toward zero, in integer arithmetic only. Tare sets the offset
    /// from an empty-scale reading; a reference weight sets the fraction. The values come from the
    /// device configuration, never from source.</summary>
    public sealed class LoadCellCalibration
    {
        /// <summary>Counts of the empty scale.</summary>
        public long OffsetCounts;

        /// <summary>Grams per <see cref="CountsDenominator"/> counts above the offset; negative for a
        /// cell that reads down under load. 0 = not calibrated.</summary>
        public long GramsNumerator;

        /// <summary>Always positive once calibrated.</summary>
        public long CountsDenominator;

        public bool IsCalibrated { get { return GramsNumerator != 0 && CountsDenominator > 0; } }

        /// <summary>Grams for <paramref name="counts"/>; false when not calibrated or the ADC saturated.</summary>
        public bool TryGrams(int counts, out long grams)
        {
            grams = 0;
            if (!IsCalibrated || Hx711.IsSaturated(counts))
            {
                return false;
            }
            // |counts - offset| < 2^25 and |numerator| < 2^37 (a 100 t reference): no overflow.
            grams = ((long)counts - OffsetCounts) * GramsNumerator / CountsDenominator;
            return true;
        }

        /// <summary>The scale is empty now: its reading becomes the offset.</summary>
        public void Tare(int emptyCounts)
        {
            if (Hx711.IsSaturated(emptyCounts))
            {
                throw new System.ArgumentException("tare reading is saturated");
            }
            OffsetCounts = emptyCounts;
        }

        /// <summary>A reference weight of <paramref name="referenceGrams"/> reads
        /// <paramref name="loadedCounts"/> (after <see cref="Tare"/>).</summary>
        public void Calibrate(int loadedCounts, long referenceGrams)
        {
            if (referenceGrams <= 0 || Hx711.IsSaturated(loadedCounts))
            {
                throw new System.ArgumentException("reference must be positive grams and the reading unsaturated");
            }
            long span = (long)loadedCounts - OffsetCounts;
            if (span == 0)
            {
                throw new System.ArgumentException("reference weight does not move the reading");
            }
            GramsNumerator = span < 0 ? -referenceGrams : referenceGrams;
            CountsDenominator = span < 0 ? -span : span;
        }
    }
}
