using System.Security.Cryptography;
using System.Text;

namespace Commons.Metering.Gateway.BrokerAccounts;

/// <summary>Salted password hashes in the format mosquitto 2 reads from its password_file:
/// <c>$7$iterations$salt_base64$hash_base64</c>, PBKDF2-HMAC-SHA512 (mosquitto 2.0 source,
/// src/password_mosq.c / apps/mosquitto_passwd: type 7 = pw_sha512_pbkdf2, 12-byte salt,
/// 64-byte hash; checked against the output of /usr/bin/mosquitto_passwd 2.0.11 in the tests).
/// Shared with tools/Metering.Cli through this library.</summary>
internal static class MosquittoPasswordHash
{
    /// <summary>mosquitto's hash type number for PBKDF2-SHA512.</summary>
    public const string Prefix = "$7$";

    /// <summary>mosquitto_passwd's salt length (SALT_LEN 12).</summary>
    public const int SaltBytes = 12;

    /// <summary>SHA-512 output length.</summary>
    public const int HashBytes = 64;

    /// <summary>Iterations of new hashes. mosquitto_passwd 2.0 writes 101; more costs each connect
    /// (measured in tools/Metering.Cli/README.md) but resists offline guessing far better.
    /// OWASP's 2023 figure for PBKDF2-SHA512 is 210,000; 20,000 keeps a reconnect storm of a few
    /// thousand devices within seconds of CPU on a small gateway.</summary>
    public const int DefaultIterations = 20_000;

    /// <summary>Upper bound accepted when reading a file: a corrupt or hostile file must not stall
    /// every connect.</summary>
    public const int MaxIterations = 1_000_000;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return Encode(iterations, salt, Derive(password, salt, iterations));
    }

    public static string Encode(int iterations, byte[] salt, byte[] hash) =>
        $"{Prefix}{iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";

    /// <summary>True when <paramref name="encoded"/> is a well-formed $7$ hash of the password
    /// (constant-time comparison). False for any malformed value.</summary>
    public static bool Verify(string password, string encoded)
    {
        if (!TryParse(encoded, out var iterations, out var salt, out var hash)) return false;
        return CryptographicOperations.FixedTimeEquals(Derive(password, salt, iterations), hash);
    }

    public static bool TryParse(string? encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        if (encoded is null || !encoded.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var parts = encoded[Prefix.Length..].Split('$');
        if (parts.Length != 3 || !int.TryParse(parts[0], out iterations) || iterations is < 1 or > MaxIterations) return false;
        try
        {
            salt = Convert.FromBase64String(parts[1]);
            hash = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }
        return salt.Length > 0 && hash.Length == HashBytes;
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
}
