using System.Text.Json;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Board;

namespace Commons.Metering.Simulator;

/// <summary><c>device --setup/--board-map</c>: reads both files before anything starts, so a
/// missing or malformed one ends the command with <see cref="ExitCodes.BadSetup"/> and a message
/// that names the file, not with a stack trace from inside the board meter.</summary>
internal static class SetupFiles
{
    public static bool TryLoad(string setupFile, string? boardMapFile, out DeviceSetup? setup, out string error)
    {
        DeviceSetup? loaded = null;
        var mapFile = boardMapFile ?? DefaultBoardMap;
        error = Check("setup file", setupFile, () => loaded = BoardMeter.LoadSetup(setupFile))
                ?? Check("board map", mapFile, () => PiPinMap.Load(mapFile))
                ?? "";
        setup = loaded;
        return error.Length == 0;
    }

    /// <summary>The Pi map the host runtime ships (Board/raspberry-pi.json beside the assembly).</summary>
    private static string DefaultBoardMap => Path.Combine(AppContext.BaseDirectory, "Board", PiPinMap.DefaultFileName);

    private static string? Check(string what, string path, Action load)
    {
        if (!File.Exists(path)) return $"{what} {path}: not found";
        try
        {
            load();
            return null;
        }
        catch (FormatException e)
        {
            // The parsers' messages start with the path already (BoardMeter.LoadSetup, PiPinMap.Parse).
            return e.Message.StartsWith(path, StringComparison.Ordinal) ? $"{what} {e.Message}" : $"{what} {path}: {e.Message}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return $"{what} {path}: {e.Message}";
        }
    }
}
