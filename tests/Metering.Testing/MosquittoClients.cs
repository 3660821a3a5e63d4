using System.Collections.Concurrent;
using System.Diagnostics;

namespace Commons.Metering.Testing;

/// <summary>mosquitto's own command-line clients (Debian package 'mosquitto-clients') as real
/// third-party MQTT clients: mosquitto_pub run to its end, mosquitto_sub kept running and read line
/// by line. Both fail (not skip) when the binaries are missing.</summary>
public static class MosquittoClients
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>Runs mosquitto_pub with these arguments; killed and failed after the timeout (15 s).</summary>
    public static Result Pub(IEnumerable<string> args, TimeSpan? timeout = null)
    {
        using var p = Process.Start(Info("mosquitto_pub", args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(15)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"mosquitto_pub {string.Join(' ', args)} did not exit");
        }
        return new Result(p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>A running mosquitto_sub (-d is useful: it prints "received SUBACK").</summary>
    public static Subscriber Sub(IEnumerable<string> args) => new(Process.Start(Info("mosquitto_sub", args))!);

    private static ProcessStartInfo Info(string binary, IEnumerable<string> args)
    {
        // stdbuf -oL: stdout is a pipe here, which C buffers; line buffering lets each line through.
        var psi = new ProcessStartInfo(ServerProcess.Require("stdbuf", "coreutils"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-oL");
        psi.ArgumentList.Add(ServerProcess.Require(binary, "mosquitto-clients"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    public sealed class Subscriber : IDisposable
    {
        private readonly Process _process;
        private readonly BlockingCollection<string> _lines = [];

        internal Subscriber(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Add(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Add("stderr: " + e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public bool HasExited => _process.HasExited;

        /// <summary>Every line read so far (stderr lines prefixed "stderr: ").</summary>
        public List<string> Seen { get; } = [];

        /// <summary>Reads lines until one contains <paramref name="text"/>; null when none did
        /// within the timeout (10 s) or the process ended first.</summary>
        public string? WaitFor(string text, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
            while (DateTime.UtcNow < deadline)
            {
                if (_lines.TryTake(out var line, TimeSpan.FromMilliseconds(100)))
                {
                    Seen.Add(line);
                    if (line.Contains(text, StringComparison.Ordinal)) return line;
                }
                else if (_process.HasExited)
                {
                    // WaitForExit() without a timeout also waits for the redirected output's end.
                    _process.WaitForExit();
                    if (_lines.Count == 0) return null;
                }
            }
            return null;
        }

        /// <summary>Waits for the process to end (it does on its own, e.g. after a refused
        /// subscription) and reads its remaining lines into <see cref="Seen"/>; false on timeout.</summary>
        public bool WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout)) return false;
            _process.WaitForExit();
            while (_lines.TryTake(out var line)) Seen.Add(line);
            return true;
        }

        public void Dispose()
        {
            try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            _process.WaitForExit(5_000);
            _process.Dispose();
        }
    }
}
