using System.Runtime.InteropServices;

namespace Commons.Metering.Gateway;

/// <summary>Every file the gateway creates is readable by its own user only (0600, folders 0700): the
/// ledger (metering.db) and policy state (commons.db) hold every household's use, the audit log and
/// the account files who did what, the cookie keys sign sessions. The process's umask is set to 077
/// once at start, which covers files created by SQLite (its -wal and -shm files), ASP.NET Core's key
/// ring and the gateway alike, instead of a chmod after each creation that a new file could miss.
/// Back up the data folder as the gateway's user (or root).</summary>
internal static partial class PrivateFiles
{
    /// <summary>Group and others lose read, write and execute on files created from now on.</summary>
    private const uint OwnerOnlyMask = 0b000_111_111; // 077

    public static void Apply()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) _ = umask(OwnerOnlyMask);
    }

    [DllImport("libc", EntryPoint = "umask")]
#pragma warning disable SYSLIB1054 // one call at start: LibraryImport would need unsafe code for nothing
    private static extern uint umask(uint mask);
#pragma warning restore SYSLIB1054
}
