using System.ComponentModel;
using System.Diagnostics;

namespace Commons.Metering.Cli;

/// <summary>Runs nanoff, nanoFramework's firmware flasher (`dotnet tool install -g nanoff`;
/// options as in its README: --listports, --update --target --serialport, --nanodevice --deploy
/// --image, --filedeployment).</summary>
internal sealed class Nanoff(string program)
{
    public string Program { get; } = program;

    /// <summary>The nanoff executable: an explicit path, or "nanoff" on PATH or in ~/.dotnet/tools
    /// (where `dotnet tool install -g` puts it). Null when there is none.</summary>
    public static string? Locate(string? explicitPath)
    {
        if (explicitPath is not null) return File.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : null;
        var name = OperatingSystem.IsWindows() ? "nanoff.exe" : "nanoff";
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"));
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>The command as a technician would type it (arguments with spaces quoted).</summary>
    public string Format(IEnumerable<string> args) =>
        string.Join(' ', new[] { Program }.Concat(args).Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"\"{a}\"" : a));

    /// <summary>Runs nanoff with its output going straight to this console; returns its exit code.</summary>
    public int Run(IReadOnlyList<string> args) => Start(args, capture: false).ExitCode;

    /// <summary>Runs nanoff and returns its exit code and standard output.</summary>
    public (int ExitCode, string Output) Capture(IReadOnlyList<string> args) => Start(args, capture: true);

    private (int ExitCode, string Output) Start(IReadOnlyList<string> args, bool capture)
    {
        var psi = new ProcessStartInfo(Program) { UseShellExecute = false, RedirectStandardOutput = capture };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi)!;
            var output = capture ? process.StandardOutput.ReadToEnd() : "";
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (Win32Exception e)
        {
            throw new FileNotFoundException($"cannot start {Program}: {e.Message}", Program, e);
        }
    }
}
