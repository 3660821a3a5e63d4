using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Commons.Metering.Testing;

/// <summary>A throw-away certificate authority and a server certificate it signed for 127.0.0.1 and
/// localhost, made with System.Security.Cryptography (CertificateRequest), written to a temporary
/// folder in the forms a broker and its clients take: CA PEM (mosquitto_pub --cafile), server
/// certificate + key PEM, and the same as PKCS#12 with a password. ECDSA P-256, valid one day.
/// Usage: using var certs = new TestCertificates(); ... certs.CaFile, certs.ServerCertFile ...</summary>
public sealed class TestCertificates : IDisposable
{
    public const string PfxPassword = "test-pfx-password";

    private readonly TempDir _dir = new("certs");

    public TestCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Commons Metering Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        Ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        using var signed = request.Create(Ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        Server = signed.CopyWithPrivateKey(serverKey);

        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
        File.WriteAllText(ServerCertFile, Server.ExportCertificatePem());
        File.WriteAllText(ServerKeyFile, serverKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(ServerPfxFile, Server.Export(X509ContentType.Pkcs12, PfxPassword));
        // A certificate from an authority the clients do not trust (for "wrong CA is refused").
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Somebody Else", otherKey, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(OtherCaFile, other.ExportCertificatePem());
    }

    public X509Certificate2 Ca { get; }
    public X509Certificate2 Server { get; }
    public string CaFile => _dir.File("ca.pem");
    public string OtherCaFile => _dir.File("other-ca.pem");
    public string ServerCertFile => _dir.File("server.pem");
    public string ServerKeyFile => _dir.File("server.key");
    public string ServerPfxFile => _dir.File("server.pfx");

    /// <summary>Puts this set's server certificate and key at these paths, each replaced in one step
    /// (written beside it, then renamed over it), as a certificate renewal does.</summary>
    public void InstallServerFiles(string certFile, string keyFile)
    {
        Replace(ServerCertFile, certFile);
        Replace(ServerKeyFile, keyFile);
    }

    private static void Replace(string source, string target)
    {
        var staging = target + ".new";
        File.WriteAllBytes(staging, File.ReadAllBytes(source)); // a fresh file, written now (File.Copy keeps the old time)
        File.Move(staging, target, overwrite: true);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        _dir.Dispose();
    }
}
