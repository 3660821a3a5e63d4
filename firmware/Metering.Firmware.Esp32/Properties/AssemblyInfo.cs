using System.Reflection;

[assembly: AssemblyTitle("Commons Metering ESP32 firmware")]
[assembly: AssemblyProduct("Commons Metering")]
[assembly: AssemblyVersion("1.0.0.0")]
