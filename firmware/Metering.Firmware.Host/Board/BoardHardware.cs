using System.Device.Gpio;
using Commons.Metering.Firmware.Host.Gpio;

namespace Commons.Metering.Firmware.Host.Board;

/// <summary>What this host offers the drivers: a GPIO controller (null when there is none, with the
/// reason) and a test for device files (serial ports, /dev/spidev*). <see cref="Detect"/> looks at
/// the real host; tests hand in a controller on a test driver and a pseudo-terminal.</summary>
public sealed class BoardHardware
{
    public BoardHardware(GpioController? gpio, string gpioAbsentReason, Func<string, bool>? deviceExists = null)
    {
        Gpio = gpio;
        GpioAbsentReason = gpio is null ? gpioAbsentReason : "";
        DeviceExists = deviceExists ?? System.IO.File.Exists;
    }

    public GpioController? Gpio { get; }

    public string GpioAbsentReason { get; }

    public Func<string, bool> DeviceExists { get; }

    /// <summary>This host's GPIO (a /dev/gpiochip* that System.Device.Gpio can open) and device files.</summary>
    public static BoardHardware Detect() =>
        GpioBoard.TryOpenGpio(out var controller, out var reason) ? new BoardHardware(controller, "") : new BoardHardware(null, reason);

    /// <summary>The Linux device of an SPI bus and chip select (spidev, enabled with dtparam=spi=on).</summary>
    public static string SpiDevicePath(int bus, int chipSelect) => $"/dev/spidev{bus}.{chipSelect}";
}
