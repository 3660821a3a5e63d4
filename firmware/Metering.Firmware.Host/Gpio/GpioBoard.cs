using System.Device.Gpio;

namespace Commons.Metering.Firmware.Host.Gpio;

/// <summary>Whether this host has GPIO (a Raspberry-Pi-class board): a Linux GPIO character
/// device /dev/gpiochipN that System.Device.Gpio can open. Elsewhere the host runs simulated
/// sensors.</summary>
public static class GpioBoard
{
    public static bool HasGpioChip(string devDirectory = "/dev") =>
        Directory.Exists(devDirectory) && Directory.EnumerateFileSystemEntries(devDirectory, "gpiochip*").Any();

    /// <summary>Opens the board's GPIO controller, or explains why there is none.</summary>
    public static bool TryOpenGpio(out GpioController? controller, out string reason)
    {
        controller = null;
        if (!HasGpioChip())
        {
            reason = "no /dev/gpiochip* on this host";
            return false;
        }
        try
        {
            controller = new GpioController();
            reason = "";
            return true;
        }
        catch (Exception e) when (e is PlatformNotSupportedException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            reason = $"GPIO present but not usable: {e.Message}";
            return false;
        }
    }
}
