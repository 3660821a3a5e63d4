using System.IO;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>The device configuration on the internal flash drive. Written by the technicians'
    /// tool (provision) and deployed with nanoff; format in firmware/README.md.</summary>
    internal static class ConfigFile
    {
        public const string DevicePath = "I:\\config.json";

        /// <summary>A full configuration with 16 channels and 32 permits is about 5 KB.</summary>
        private const int MaxBytes = 8192;

        /// <summary>Null when <paramref name="into"/> holds a deployable setup, else why not.</summary>
        public static string Load(string path, DeviceSetup into)
        {
            if (!File.Exists(path))
            {
                return path + " not found";
            }
            byte[] text;
            using (FileStream file = new FileStream(path, FileMode.Open, FileAccess.Read))
            {
                if (file.Length > MaxBytes)
                {
                    return path + " is larger than " + MaxBytes + " bytes";
                }
                text = new byte[(int)file.Length];
                int read = 0;
                while (read < text.Length)
                {
                    int n = file.Read(text, read, text.Length - read);
                    if (n <= 0)
                    {
                        return path + " could not be read";
                    }
                    read += n;
                }
            }
            string error = new DeviceSetupParser().Parse(text, text.Length, into);
            return error != null ? error : into.CheckDeployable();
        }
    }
}
