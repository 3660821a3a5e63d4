namespace Commons.Metering.Firmware
{
    /// <summary>A channel's use class (docs/protocol.md, "Device autonomy"; docs/design.md rule 2: shed
    /// discretionary before standard before essential). Higher codes are shed first: a stage that
    /// curtails from class k curtails every class &gt;= k, and no stage reaches essential.</summary>
    public static class UseClass
    {
        public const int Essential = 1;
        public const int Standard = 2;
        public const int Discretionary = 3;

        /// <summary>A stage curtail threshold that curtails nothing (`curtail`: `none`).</summary>
        public const int None = 4;

        /// <summary>Wire words, indexed by code (`class` of allowance, `curtail` of stage).</summary>
        public static readonly string[] Names = new string[] { "", "essential", "standard", "discretionary", "none" };

        /// <summary>What each stage curtails when its command names no `curtail`: 0 and 1 nothing,
        /// 2 discretionary, 3 standard and discretionary (docs/protocol.md, stage `curtail`).</summary>
        public static int DefaultCurtail(int stage)
        {
            return stage >= 3 ? Standard : stage == 2 ? Discretionary : None;
        }
    }
}
