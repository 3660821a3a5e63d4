using System.Text.Json;
using System.Text.Json.Serialization;

namespace Commons.Metering.Cli;

/// <summary>nanoff's file-deployment description (nanoff README, "Deploy files to device storage":
/// <c>--filedeployment FILE</c>; optional <c>SerialPort</c>, mandatory <c>Files</c>, each with
/// <c>DestinationFilePath</c> and <c>SourceFilePath</c>).</summary>
internal sealed record NanoffFileDeployment(
    [property: JsonPropertyName("SerialPort"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SerialPort,
    [property: JsonPropertyName("Files")] IReadOnlyList<NanoffFile> Files);

internal sealed record NanoffFile(
    [property: JsonPropertyName("DestinationFilePath")] string DestinationFilePath,
    [property: JsonPropertyName("SourceFilePath")] string SourceFilePath);

internal static class DeviceFiles
{
    /// <summary>The device configuration file on the device's internal flash drive; the firmware reads
    /// it at boot (format: firmware/README.md). Nothing about a device is compiled into its firmware.</summary>
    public const string DevicePath = @"I:\config.json";
    public const string ConfigFileName = "config.json";
    public const string DeploymentFileName = "deploy.json";

    /// <summary>deploy.json, and the gateway's HTTP API (camelCase).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>Writes config.json (owner-only: it holds the device's passwords; the text from
    /// DeviceConfigBuilder) and deploy.json pointing nanoff at it; returns their full paths.</summary>
    public static (string Config, string Deployment) Write(string directory, byte[] configUtf8)
    {
        var dir = Path.GetFullPath(directory);
        Directory.CreateDirectory(dir);
        var configPath = Path.Combine(dir, ConfigFileName);
        File.WriteAllBytes(configPath, []);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(configPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(configPath, configUtf8);
        var deploymentPath = Path.Combine(dir, DeploymentFileName);
        var deployment = new NanoffFileDeployment(null, [new NanoffFile(DevicePath, configPath)]);
        File.WriteAllText(deploymentPath, JsonSerializer.Serialize(deployment, Json));
        return (configPath, deploymentPath);
    }
}
