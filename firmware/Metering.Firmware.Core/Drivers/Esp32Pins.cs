namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>Which ESP32 GPIOs a pin map may use, and how (ESP32 Series Datasheet, "Pin
    /// Definitions" and "Strapping Pins"; ESP32-WROVER-E Datasheet, "Pin Definitions").</summary>
    public static class Esp32Pins
    {
        public const string BoardWrover = "esp32-wrover";

        /// <summary>Null when <paramref name="pin"/> may be used on <paramref name="board"/>, else why not.</summary>
        public static string Check(string board, PinAssignment pin)
        {
            int g = pin.Gpio;
            // GPIO 0-39 exist except 20, 24 and 28-31 (ESP32 datasheet, pin list).
            if (g < 0 || g > 39 || g == 20 || g == 24 || (g >= 28 && g <= 31))
            {
                return "GPIO" + g + " does not exist on the ESP32";
            }
            // GPIO 6-11 are wired to the SPI flash inside every module.
            if (g >= 6 && g <= 11)
            {
                return "GPIO" + g + " belongs to the SPI flash";
            }
            // GPIO 1 and 3 are UART0 TX/RX: nanoFramework's debugger and nanoff deploy over them.
            if (g == 1 || g == 3)
            {
                return "GPIO" + g + " is UART0, used by nanoff and the debugger";
            }
            // MTDI (GPIO12) high at reset selects 1.8 V flash voltage: a 3.3 V module then fails to boot.
            if (g == 12)
            {
                return "GPIO12 is the flash-voltage strapping pin";
            }
            // WROVER: GPIO16/17 are connected to the PSRAM inside the module.
            if (board == BoardWrover && (g == 16 || g == 17))
            {
                return "GPIO" + g + " is the PSRAM on a WROVER module";
            }
            // GPIO 34-39 are input only and have no internal pull-up or pull-down resistors.
            if (g >= 34 && pin.Mode != PinAssignment.ModeInput)
            {
                return "GPIO" + g + " is input-only without internal pulls (mode must be \"in\")";
            }
            return null;
        }
    }
}
