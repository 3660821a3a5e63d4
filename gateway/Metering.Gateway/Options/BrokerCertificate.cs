using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Commons.Metering.Gateway.Options;

/// <summary>The embedded broker's TLS certificate from configuration (Metering:Broker:Tls): a PEM
/// certificate with a PEM key (KeyFile; an encrypted key takes Password), a PEM holding both, or a
/// PKCS#12 file with Password. Loaded with the BCL (X509Certificate2.CreateFromPemFile,
/// X509CertificateLoader.LoadPkcs12FromFile), checked once by the options validator so a bad file
/// stops the gateway with exit code 2 and a message instead of a TLS failure at the first device.</summary>
internal static class BrokerCertificate
{
    public static X509Certificate2 Load(BrokerTlsOptions tls)
    {
        var file = tls.CertificateFile;
        var cert = IsPkcs12(file)
            ? X509CertificateLoader.LoadPkcs12FromFile(file, tls.Password, X509KeyStorageFlags.EphemeralKeySet)
            : LoadPem(file, string.IsNullOrWhiteSpace(tls.KeyFile) ? null : tls.KeyFile, tls.Password);
        if (!cert.HasPrivateKey)
        {
            cert.Dispose();
            throw new InvalidDataException("holds no private key (give Broker:Tls:KeyFile, or a PKCS#12 file with its key)");
        }
        return cert;
    }

    /// <summary>Null when the certificate loads with its private key and is valid now; else what is wrong.</summary>
    public static string? Problem(BrokerTlsOptions tls)
    {
        if (!File.Exists(tls.CertificateFile)) return $"must name an existing file (looked for {Path.GetFullPath(tls.CertificateFile)})";
        if (!string.IsNullOrWhiteSpace(tls.KeyFile) && !File.Exists(tls.KeyFile))
            return $"has its key in Broker:Tls:KeyFile, which must name an existing file (looked for {Path.GetFullPath(tls.KeyFile)})";
        try
        {
            using var cert = Load(tls);
            var now = DateTime.UtcNow;
            if (now < cert.NotBefore.ToUniversalTime() || now > cert.NotAfter.ToUniversalTime())
                return $"is not valid now (valid {cert.NotBefore:u} to {cert.NotAfter:u})";
            return null;
        }
        catch (Exception e) when (e is CryptographicException or InvalidDataException or IOException or ArgumentException)
        {
            return $"cannot be loaded: {e.Message}";
        }
    }

    /// <summary>PEM files are text starting with "-----BEGIN"; anything else is taken as PKCS#12.</summary>
    private static bool IsPkcs12(string file)
    {
        var ext = Path.GetExtension(file);
        if (ext.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || ext.Equals(".p12", StringComparison.OrdinalIgnoreCase)) return true;
        using var reader = new StreamReader(file);
        var head = new char[64];
        var n = reader.Read(head, 0, head.Length);
        return !new string(head, 0, n).TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal);
    }

    private static X509Certificate2 LoadPem(string certFile, string? keyFile, string? password) =>
        string.IsNullOrEmpty(password)
            ? X509Certificate2.CreateFromPemFile(certFile, keyFile)
            : X509Certificate2.CreateFromEncryptedPemFile(certFile, password, keyFile);
}
