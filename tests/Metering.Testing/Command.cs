using System.Diagnostics;

namespace Commons.Metering.Testing;

/// <summary>Runs a short command-line tool to its end.</summary>
public static class Command
{
    /// <summary>Exit code and output (stdout, then stderr).</summary>
    public static (int Code, string Output) Run(string binary, params string[] args)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Result + error);
    }
}
