namespace Commons.Metering.Cli;

/// <summary>The exit codes of `metering` (also in README.md; a test checks they agree).</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Bad command line (System.CommandLine's own code for parse errors) or bad values.</summary>
    public const int Usage = 1;

    /// <summary>A file could not be read or written, or is malformed.</summary>
    public const int FileError = 2;

    /// <summary>The device is already provisioned (it has an account in the credentials file).</summary>
    public const int AlreadyProvisioned = 3;

    /// <summary>The gateway could not be reached, or refused the request (e.g. meter registered differently).</summary>
    public const int GatewayError = 4;

    /// <summary>nanoff was not found (install it with `dotnet tool install -g nanoff`).</summary>
    public const int NanoffMissing = 5;

    /// <summary>The serial port of the device is not listed by nanoff.</summary>
    public const int DeviceMissing = 6;

    /// <summary>A nanoff step failed (its own exit code is printed).</summary>
    public const int NanoffFailed = 7;

    /// <summary>The broker could not be reached.</summary>
    public const int BrokerUnreachable = 8;

    /// <summary>The broker refused the credentials or the subscription.</summary>
    public const int BrokerRefused = 9;

    /// <summary>No ack from the device within the timeout, or a refusing ack (--as-device: the gateway did not show the reading).</summary>
    public const int NotSeen = 10;
}
