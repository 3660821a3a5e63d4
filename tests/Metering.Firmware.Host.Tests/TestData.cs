namespace Commons.Metering.Tests;

/// <summary>Paths of the dataset slices (tests/data, copied beside the test assembly). The full
/// datasets are checked by `tools/Metering.Bench datasets`, not by tests: a fresh clone has
/// only these slices.</summary>
internal static class TestData
{
    public static string DaiadSlice => Path.Combine(AppContext.BaseDirectory, "data", "daiad", "daiad_trialA_5households_2017-03-13_30.csv");

    public static string OpsdHome4Slice => Path.Combine(AppContext.BaseDirectory, "data", "opsd", "power_of_residential_4_2015-10.csv");
}
