namespace Commons.Metering.Gateway.Region;

/// <summary>One regional stage trigger (Metering:Region:Resources:{resource}:Triggers:N): the stage
/// <see cref="Stage"/> while the gauge <see cref="Gauge"/>, as a member reports it, is below
/// <see cref="Below"/> (or above <see cref="Above"/>), until it is back past the threshold by
/// <see cref="Hysteresis"/>, as a community's stage trigger (Policy/StageMonitor.cs).</summary>
public sealed class RegionalTriggerOptions
{
    /// <summary>The gauge's regional name, as members report it (Upstream:Gauges:N:Name).</summary>
    public string Gauge { get; set; } = "";

    public long? Below { get; set; }

    public long? Above { get; set; }

    public int Stage { get; set; }

    /// <summary>How far back past the threshold the gauge must come for the trigger to clear; 0 as a
    /// community trigger's default (Policy/PolicyDefaults.cs, TriggerHysteresis).</summary>
    public long Hysteresis { get; set; } = Policy.PolicyDefaults.TriggerHysteresis;

    public IEnumerable<string> Errors(string key)
    {
        if (!RegionIds.Valid(Gauge)) yield return $"{key}:Gauge '{Gauge}' must match {RegionIds.Pattern}";
        if (Below is null == Above is null) yield return $"{key} needs exactly one of Below and Above";
        if (Stage is < 1 or > 3) yield return $"{key}:Stage must be 1, 2 or 3 (is {Stage})";
        if (Hysteresis < 0) yield return $"{key}:Hysteresis cannot be negative (is {Hysteresis})";
    }
}
