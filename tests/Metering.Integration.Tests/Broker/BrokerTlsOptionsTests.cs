using Commons.Metering.Gateway.Options;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Broker;

/// <summary>Validation of the TLS listener's settings (Options/GatewayOptionsValidator.cs), against
/// real certificate files: each mistake gives a message naming the setting.</summary>
public sealed class BrokerTlsOptionsTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    private GatewayOptions Tls(Action<BrokerTlsOptions>? change = null)
    {
        var o = new GatewayOptions();
        o.Broker.Tls.Port = 8883;
        o.Broker.Tls.CertificateFile = _certs.ServerCertFile;
        o.Broker.Tls.KeyFile = _certs.ServerKeyFile;
        change?.Invoke(o.Broker.Tls);
        return o;
    }

    [Fact]
    public void PemCertificateWithKey_AndPkcs12WithItsPassword_AreValid()
    {
        Assert.Empty(GatewayOptionsValidator.Errors(Tls()));
        Assert.Empty(GatewayOptionsValidator.Errors(Tls(t =>
        {
            t.CertificateFile = _certs.ServerPfxFile;
            t.KeyFile = "";
            t.Password = TestCertificates.PfxPassword;
        })));
    }

    [Fact]
    public void PlainListenerOff_IsAllowedOnlyWithTls()
    {
        var tlsOnly = Tls();
        tlsOnly.Broker.Port = 0;
        Assert.Empty(GatewayOptionsValidator.Errors(tlsOnly));
        var nothing = new GatewayOptions();
        nothing.Broker.Port = 0;
        Assert.Contains(GatewayOptionsValidator.Errors(nothing), e => e.StartsWith("Metering:Broker:Port ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("missing-file", "Metering:Broker:Tls:CertificateFile must name an existing file")]
    [InlineData("no-key", "Metering:Broker:Tls:CertificateFile cannot be loaded")]
    [InlineData("wrong-pfx-password", "Metering:Broker:Tls:CertificateFile cannot be loaded")]
    [InlineData("same-port", "Metering:Broker:Tls:Port must differ from Broker:Port")]
    [InlineData("external", "Metering:Broker:Tls:Port applies to the embedded broker only")]
    [InlineData("no-certificate", "Metering:Broker:Tls:CertificateFile must name the listener's certificate")]
    public void Mistakes_AreNamed(string mistake, string expected)
    {
        var o = Tls();
        switch (mistake)
        {
            case "missing-file": o.Broker.Tls.CertificateFile = _certs.ServerCertFile + ".gone"; break;
            case "no-key": o.Broker.Tls.KeyFile = ""; break;
            case "wrong-pfx-password": o.Broker.Tls.CertificateFile = _certs.ServerPfxFile; o.Broker.Tls.KeyFile = ""; o.Broker.Tls.Password = "wrong"; break;
            case "same-port": o.Broker.Port = 8883; break;
            case "external": o.Broker.Mode = BrokerMode.External; break;
            case "no-certificate": o.Broker.Tls.CertificateFile = ""; break;
        }
        var errors = GatewayOptionsValidator.Errors(o).ToList();
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TheTlsPassword_IsMaskedInTheLoggedConfiguration()
    {
        var o = Tls(t => t.Password = "a-secret-pfx-password");
        var text = EffectiveConfiguration.Describe(o, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        Assert.DoesNotContain("a-secret-pfx-password", text);
        Assert.Contains("Broker:Tls:Password = ***", text);
    }
}
