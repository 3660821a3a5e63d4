using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Commons.Metering.Tests.Drivers;

/// <summary>A real pseudo-terminal pair from the kernel (posix_openpt, grantpt, unlockpt, ptsname_r):
/// the driver under test opens <see cref="SlavePath"/> (/dev/pts/N) as a serial port, with the
/// termios calls a UART gets; the test plays the device on the master side. No mock: the bytes go
/// through the kernel's tty layer. Fails (throws) when the host cannot give one.</summary>
internal sealed class PseudoTerminal : IDisposable
{
    private const int O_RDWR = 0x2, O_NOCTTY = 0x100; // Linux fcntl.h (x86-64 and arm64 alike)
    private const short POLLIN = 0x1; // poll.h

    private readonly int _master;

    public PseudoTerminal()
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("pseudo-terminals are tested on Linux only");
        _master = posix_openpt(O_RDWR | O_NOCTTY);
        if (_master < 0) throw new Win32Exception(Marshal.GetLastWin32Error(), "posix_openpt");
        var name = new byte[128];
        if (grantpt(_master) != 0 || unlockpt(_master) != 0 || ptsname_r(_master, name, name.Length) != 0)
        {
            var error = Marshal.GetLastWin32Error();
            close(_master);
            throw new Win32Exception(error, "grantpt/unlockpt/ptsname_r");
        }
        SlavePath = System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
    }

    /// <summary>The terminal the driver opens, e.g. /dev/pts/3.</summary>
    public string SlavePath { get; }

    /// <summary>Bytes the driver wrote, waiting at most <paramref name="timeoutMs"/> for the first;
    /// empty on timeout.</summary>
    public byte[] Read(int timeoutMs)
    {
        var poll = new PollFd { Fd = _master, Events = POLLIN };
        if (Poll(ref poll, 1, timeoutMs) <= 0 || (poll.Revents & POLLIN) == 0) return [];
        var buffer = new byte[256];
        var n = read(_master, buffer, buffer.Length);
        return n <= 0 ? [] : buffer[..(int)n];
    }

    /// <summary>Bytes for the driver to read.</summary>
    public void Write(byte[] bytes)
    {
        var n = write(_master, bytes, bytes.Length);
        if (n != bytes.Length) throw new Win32Exception(Marshal.GetLastWin32Error(), "write to the pty master");
    }

    public void Dispose() => close(_master);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int posix_openpt(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int grantpt(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int unlockpt(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int ptsname_r(int fd, byte[] buffer, nint length);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int Poll(ref PollFd fds, nuint count, int timeoutMs);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
