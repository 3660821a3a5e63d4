using System.Security.Cryptography;

namespace Commons.Metering.Cli;

internal static class Passwords
{
    /// <summary>24 random bytes (192 bits) as base64url: 32 characters that need no escaping in
    /// JSON, shells or mosquitto's password file.</summary>
    public static string New() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
}
