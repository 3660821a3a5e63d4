using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Mqtt;

namespace Commons.Metering.Tests.Simulator;

/// <summary>The simulator as a technician runs it: a separate process, its output and exit code.</summary>
public sealed class SimulatorCliTests
{
    private static string SimulatorDll => Path.Combine(AppContext.BaseDirectory, "Metering.Simulator.dll");

    [Fact]
    public void ReadmeExitCodeTable_MatchesTheCode()
    {
        var codes = Assembly.LoadFrom(SimulatorDll).GetType("Commons.Metering.Simulator.ExitCodes", throwOnError: true)!
            .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetValue(null)!).Order().ToList();
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "Metering.Simulator.README.md"));
        var table = Regex.Matches(readme, @"^\| (\d+) \|", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(codes, table);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Replay_OfTheOpsdSlice_ExitsZero_AndWritesTheExpectedLedger()
    {
        using var broker = Broker.Start();
        using var dir = new TempDir();
        var (code, output) = await RunAsync("replay", "--dataset", "opsd", "--file", TestData.OpsdHome4Slice,
            "--broker", $"127.0.0.1:{broker.Port}", "--data", dir.Path, "--expected", dir.File("expected.json"));
        Assert.True(code == 0, output);
        Assert.Contains("device registers match the dataset", output);
        Assert.Contains("\"channel\": \"grid_import\"", File.ReadAllText(dir.File("expected.json")));
    }

    [Fact]
    public async Task Replay_OfAMissingFile_ExitsFour()
    {
        var (code, output) = await RunAsync("replay", "--dataset", "daiad", "--file", "/nonexistent/daiad.csv", "--broker", "127.0.0.1:1");
        Assert.True(code == 4, output);
    }

    [Fact]
    public async Task Fleet_WithNoBroker_ExitsThree()
    {
        using var dir = new TempDir();
        var port = FreePort.Next();
        var (code, output) = await RunAsync("fleet", "--meters", "2", "--duration-s", "2", "--drain-timeout-s", "2",
            "--broker", $"127.0.0.1:{port}", "--data", dir.Path);
        Assert.True(code == 3, output);
    }

    [Fact]
    public async Task Fleet_WithABadCommunity_ExitsOne()
    {
        var (code, output) = await RunAsync("fleet", "--community", "Not Valid", "--duration-s", "1");
        Assert.True(code == 1, output);
        Assert.StartsWith("error: community 'Not Valid'", output);
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(SimulatorDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"simulator {string.Join(' ', args)} did not exit:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
