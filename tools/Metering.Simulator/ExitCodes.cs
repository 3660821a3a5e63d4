namespace Commons.Metering.Simulator;

/// <summary>The simulator's exit codes (also in README.md; a test checks they agree).</summary>
internal static class ExitCodes
{
    /// <summary>Done: every reading taken was acknowledged by the broker.</summary>
    public const int Ok = 0;

    /// <summary>Bad command line (System.CommandLine's own code for parse errors).</summary>
    public const int Usage = 1;

    /// <summary>Readings were left in outboxes when the drain timeout passed, or a meter failed.</summary>
    public const int NotDrained = 2;

    /// <summary>No meter ever connected to the broker.</summary>
    public const int BrokerUnreachable = 3;

    /// <summary>The dataset file is missing or malformed.</summary>
    public const int BadDataset = 4;

    /// <summary>The replayed registers differ from the dataset (a defect in the core or host).</summary>
    public const int Mismatch = 5;

    /// <summary>`device --setup`: the device setup file or the board pin map is missing or malformed.</summary>
    public const int BadSetup = 6;
}
