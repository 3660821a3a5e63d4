namespace Commons.Metering.Tests;

/// <summary>Paths of the dataset slices (tests/data, copied beside the test assembly) and of
/// the full datasets in ../shared/datasets beside the repository.</summary>
internal static class TestData
{
    public static string DaiadSlice => Path.Combine(AppContext.BaseDirectory, "data", "daiad", "daiad_trialA_5households_2017-03-13_30.csv");

    public static string OpsdHome4Slice => Path.Combine(AppContext.BaseDirectory, "data", "opsd", "power_of_residential_4_2015-10.csv");

    /// <summary>The full datasets: METERING_DATASETS, or shared/datasets found walking up from
    /// the test assembly (the repository sits beside shared/). Fails with a clear message.</summary>
    public static string FullDatasets
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("METERING_DATASETS");
            if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(fromEnv)) return fromEnv;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "datasets");
                if (Directory.Exists(candidate)) return candidate;
            }
            throw new DirectoryNotFoundException(
                "shared/datasets was not found beside the repository; set METERING_DATASETS to the folder holding daiad/ and opsd/");
        }
    }
}
