using System.Diagnostics;

namespace Commons.Metering.Testing;

/// <summary>A real, small filesystem for disk-full tests: a tmpfs of <c>sizeMb</c> mounted on a
/// temporary folder (mount(8), needs root: CI runs as root on Debian). <see cref="Fill"/> writes a
/// ballast file until the filesystem reports ENOSPC; <see cref="Free"/> deletes it, so space comes
/// back while the programs using the folder keep running. Throws (the test fails, never skips)
/// when the tmpfs cannot be mounted. Dispose unmounts (lazily, should a process still hold a file).</summary>
public sealed class SmallDisk : IDisposable
{
    private readonly TempDir _mountPoint = new("smalldisk");
    private bool _mounted;

    public SmallDisk(int sizeMb)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("SmallDisk mounts a Linux tmpfs");
        var (code, output) = Command.Run(ServerProcess.Require("mount", "mount"), "-t", "tmpfs", "-o", $"size={sizeMb}m,mode=0755", "tmpfs", _mountPoint.Path);
        if (code != 0)
        {
            _mountPoint.Dispose();
            throw new InvalidOperationException(
                $"cannot mount a {sizeMb} MB tmpfs on {_mountPoint.Path} (exit {code}: {output.Trim()}); this test needs root " +
                $"(uid now {Environment.GetEnvironmentVariable("UID") ?? Command.Run("/usr/bin/id", "-u").Output.Trim()}), as CI runs it");
        }
        _mounted = true;
    }

    public string Path => _mountPoint.Path;

    private string Ballast => System.IO.Path.Combine(Path, "ballast.bin");

    /// <summary>Free bytes on the filesystem now.</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Appends to the ballast file until the filesystem is full (ENOSPC); returns its size.</summary>
    public long Fill()
    {
        var chunk = new byte[64 * 1024];
        using var ballast = new FileStream(Ballast, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        var size = chunk.Length;
        while (size > 0)
        {
            try
            {
                ballast.Write(chunk, 0, size);
                ballast.Flush();
            }
            catch (IOException)
            {
                size /= 2; // fill the last partial chunk too, down to a byte
            }
        }
        return ballast.Length;
    }

    /// <summary>Deletes the ballast: the space it took is free again.</summary>
    public void Free() => File.Delete(Ballast);

    public void Dispose()
    {
        if (_mounted) Command.Run(ServerProcess.Require("umount", "mount"), "-l", Path);
        _mounted = false;
        _mountPoint.Dispose();
    }
}
