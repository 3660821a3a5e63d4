using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Commons.Metering.Testing;

/// <summary>A real server process started for a test on a loopback port, with its output kept
/// for the failure message. Tests FAIL (never skip) when the binary is missing: the message
/// names the Debian package that provides it.</summary>
public class ServerProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public ServerProcess(string name, string binary, string debianPackage, IEnumerable<string> args,
        int port, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        Name = name;
        Binary = binary;
        DebianPackage = debianPackage;
        Args = args.ToArray();
        Port = port;
        WorkingDirectory = workingDirectory;
        Environment = environment ?? new Dictionary<string, string>();
    }

    public string Name { get; }
    public string Binary { get; }
    public string DebianPackage { get; }
    public IReadOnlyList<string> Args { get; }
    public int Port { get; }
    public string? WorkingDirectory { get; }
    public IDictionary<string, string> Environment { get; }
    public bool IsRunning => _process is { HasExited: false };

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Absolute path of a binary on PATH or in the usual system folders, or a clear
    /// exception naming the package to install.</summary>
    public static string Require(string binary, string debianPackage)
    {
        if (Path.IsPathRooted(binary))
        {
            if (File.Exists(binary)) return binary;
        }
        else
        {
            var dirs = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
                .Concat(new[] { "/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin", "/sbin" });
            foreach (var dir in dirs.Where(d => d.Length > 0))
            {
                var candidate = Path.Combine(dir, binary);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new InvalidOperationException(
            $"'{binary}' was not found. Install the Debian package '{debianPackage}' " +
            $"(sudo apt-get install {debianPackage}) or run tools/test.sh, which installs it.");
    }

    /// <summary>Starts the process and waits until it listens on its port.</summary>
    public void Start(TimeSpan? readyTimeout = null)
    {
        Launch();
        WaitForPort(readyTimeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>Starts the process without waiting for it (a previous run of it is released);
    /// its output is appended to <see cref="Output"/> after a start marker.</summary>
    public void Launch()
    {
        _process?.Dispose();
        var path = Require(Binary, DebianPackage);
        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        foreach (var a in Args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Environment) psi.Environment[k] = v;
        Append($"--- start {DateTime.UtcNow:O}");
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>The running process's id (for /proc/{pid}/status in benchmarks), null before Launch.</summary>
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public int ExitCode => _process?.ExitCode ?? throw new InvalidOperationException($"{Name} was not started");

    /// <summary>Waits for the process to exit by itself; false after <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (_process is null) return true;
        if (!_process.WaitForExit((int)timeout.TotalMilliseconds)) return false;
        _process.WaitForExit(); // flush the output handlers
        return true;
    }

    /// <summary>Stops the process the way an operator would (SIGTERM), so it writes what it holds in
    /// memory, and waits up to <paramref name="timeout"/>; then kills it (SIGKILL). Returns whether
    /// it stopped by itself.</summary>
    public bool Terminate(TimeSpan? timeout = null)
    {
        if (_process is null || _process.HasExited) return true;
        var stopped = Signal(_process.Id, SigTerm) == 0 && _process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30));
        Kill();
        return stopped;
    }

    private const int SigTerm = 15; // signal(7)

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    /// <summary>Kills the process (SIGKILL) and waits for it to be gone.</summary>
    public void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
    }

    /// <summary>Stops the process and starts it again with the same arguments and port.</summary>
    public void Restart(TimeSpan? readyTimeout = null)
    {
        Kill();
        Start(readyTimeout);
    }

    public virtual void Dispose()
    {
        Kill();
        _process?.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            if (_output.Length < 2_000_000) _output.AppendLine(line);
        }
    }

    private void WaitForPort(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException(
                    $"{Name} exited with code {_process.ExitCode} before listening on 127.0.0.1:{Port}:\n{Output}");
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"{Name} did not listen on 127.0.0.1:{Port} within {timeout}:\n{Output}");
    }
}
