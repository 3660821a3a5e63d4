using Commons.Metering.Testing;
using System.Diagnostics;

namespace Commons.Metering.Cli.Tests;

/// <summary>Runs the BUILT command line (tools/Metering.Cli/bin/{Configuration}/net10.0/metering.dll)
/// as a real process, like a technician would.</summary>
internal static class CliProcess
{
    internal sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static string RepositoryRoot
    {
        get
        {
            return RepoPaths.Root;
        }
    }

    public static string Dll
    {
        get
        {
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            var dll = Path.Combine(RepositoryRoot, "tools", "Metering.Cli", "bin", configuration, "net10.0", "metering.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"Build tools/Metering.Cli first: {dll} is missing", dll);
            return dll;
        }
    }

    public static Result Run(string workingDirectory, IDictionary<string, string>? environment, params string[] args) =>
        Collect(Start(workingDirectory, environment, args), args);

    /// <summary>Starts every command line at once, then waits for all (really concurrent processes,
    /// not limited by the thread pool).</summary>
    public static List<Result> RunConcurrently(string workingDirectory, IEnumerable<string[]> commands)
    {
        var started = commands.Select(args => (Started: Start(workingDirectory, null, args), Args: args)).ToList();
        return started.Select(s => Collect(s.Started, s.Args)).ToList();
    }

    private static (Process Process, Task<string> Stdout, Task<string> Stderr) Start(string workingDirectory, IDictionary<string, string>? environment, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        return (process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }

    private static Result Collect((Process Process, Task<string> Stdout, Task<string> Stderr) started, string[] args)
    {
        var (process, stdout, stderr) = started;
        using var _ = process;
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"metering {string.Join(' ', args)} did not exit within 60 s");
        }
        return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    public static Result Run(string workingDirectory, params string[] args) => Run(workingDirectory, null, args);
}
