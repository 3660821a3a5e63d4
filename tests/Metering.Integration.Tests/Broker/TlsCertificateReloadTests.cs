using System.Diagnostics;
using System.Globalization;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Chaos;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Broker;

/// <summary>The embedded broker's TLS certificate is renewed in place (Ingest/ReloadingCertificate.cs):
/// after its files are replaced, new connections get the new certificate without a restart (a
/// mosquitto_pub trusting only the new CA gets in, one trusting only the old CA no longer does), a
/// connection made before keeps working, and a broken replacement keeps the certificate in use, is
/// logged once and counted in /metrics.</summary>
[Trait("Category", "Integration")]
public sealed class TlsCertificateReloadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CertificateFilesReplaced_NewConnectionsGetTheNewCertificateWithoutARestart_ABrokenOneKeepsTheOld()
    {
        using var oldCerts = new TestCertificates();
        using var newCerts = new TestCertificates(); // another CA, another key
        using var live = new TempDir("tls-live");
        var certFile = live.File("broker.pem");
        var keyFile = live.File("broker.key");
        oldCerts.InstallServerFiles(certFile, keyFile);
        using var gateway = new GatewayProcess();
        var tlsPort = FreePort.Next();
        gateway.Environment["Metering__Broker__Tls__Port"] = tlsPort.ToString(CultureInfo.InvariantCulture);
        gateway.Environment["Metering__Broker__Tls__CertificateFile"] = certFile;
        gateway.Environment["Metering__Broker__Tls__KeyFile"] = keyFile;
        gateway.Start();
        var pid = gateway.Pid;

        MosquittoClients.Result Pub(string cafile, string message) => MosquittoClients.Pub(
            ["-h", "127.0.0.1", "-p", tlsPort.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311", "-q", "1",
             "--cafile", cafile, "-i", "tls-reload-pub", "-t", "test/tls-reload", "-m", message]);

        Assert.True(Pub(oldCerts.CaFile, "before").ExitCode == 0, Pub(oldCerts.CaFile, "before").ToString());
        var refused = Pub(newCerts.CaFile, "before");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("TLS error", refused.Stderr + refused.Stdout, StringComparison.OrdinalIgnoreCase);
        // Connected with the old certificate, and staying connected across the renewal.
        using var sub = MosquittoClients.Sub(["-h", "127.0.0.1", "-p", tlsPort.ToString(CultureInfo.InvariantCulture), "-V", "mqttv311",
            "--cafile", oldCerts.CaFile, "-i", "tls-reload-sub", "-q", "1", "-d", "-t", "test/tls-reload"]);
        Assert.True(sub.WaitFor("Subscribed (mid: 1)") is not null, string.Join('\n', sub.Seen));

        var watch = Stopwatch.StartNew();
        newCerts.InstallServerFiles(certFile, keyFile);
        // The reload waits until the files are ReloadingCertificate.SettleMs (1 s) old.
        await ChaosKit.UntilAsync(() => Pub(newCerts.CaFile, "after").ExitCode == 0, TimeSpan.FromSeconds(15),
            () => $"{Pub(newCerts.CaFile, "after")}\n{ChaosKit.Tail(gateway.Output)}");
        output.WriteLine($"a client trusting only the new CA got in {watch.Elapsed.TotalSeconds:F1} s after the files were replaced");
        var old = Pub(oldCerts.CaFile, "after");
        Assert.NotEqual(0, old.ExitCode);
        Assert.Contains("TLS error", old.Stderr + old.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.True(sub.WaitFor("after") is not null, "the connection made with the old certificate stopped receiving: " + string.Join('\n', sub.Seen));
        Assert.Equal(pid, gateway.Pid);
        Assert.False(gateway.HasExited);
        Assert.Contains("TLS certificate reloaded", gateway.Output);
        Assert.Equal(1, await ChaosKit.MetricAsync(gateway, "metering_broker_tls_reloads_total"));
        var expiry = await ChaosKit.MetricAsync(gateway, "metering_broker_tls_certificate_expiry_timestamp_seconds");
        Assert.Equal(newCerts.Server.NotAfter.ToUniversalTime().Subtract(DateTime.UnixEpoch).TotalSeconds, expiry, precision: 0);

        // A broken renewal: not a certificate at all. The new one stays in use, one error, counted.
        File.WriteAllText(certFile + ".new", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        File.Move(certFile + ".new", certFile, overwrite: true);
        // Each connection makes the broker look at the files (and the first one after the settle time tries them).
        await ChaosKit.UntilAsync(() => Pub(newCerts.CaFile, "broken").ExitCode == 0
                && ChaosKit.MetricAsync(gateway, "metering_broker_tls_reload_failures_total").GetAwaiter().GetResult() >= 1,
            TimeSpan.FromSeconds(15), () => $"{Pub(newCerts.CaFile, "broken")}\n{ChaosKit.Tail(gateway.Output)}");
        for (var i = 0; i < 3; i++)
        {
            var r = Pub(newCerts.CaFile, $"still-{i}");
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        Assert.Equal(1, await ChaosKit.MetricAsync(gateway, "metering_broker_tls_reload_failures_total"));
        output.WriteLine(gateway.Output.Split('\n').First(l => l.Contains("changed but", StringComparison.Ordinal)));
        Assert.Equal(1, Count(gateway.Output, "changed but"));
        Assert.Contains("still serving the previous one", gateway.Output);
        Assert.Equal(1, await ChaosKit.MetricAsync(gateway, "metering_broker_tls_reloads_total"));
    }

    private static int Count(string text, string part)
    {
        var n = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
