using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.BrokerAccounts;
using Microsoft.Extensions.Logging;
using MQTTnet.Certificates;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>The embedded broker's TLS certificate, picked up again when its files change: a renewed
/// certificate (certbot, an ACME client, an operator's copy) reaches new connections without a
/// restart. Established connections keep the certificate they were made with.
///
/// How: MQTTnet 5 asks the endpoint's <see cref="ICertificateProvider"/> for the certificate on every
/// accepted TLS connection (Source/MQTTnet.Server/Internal/Adapter/MqttTcpServerListener.cs,
/// TryHandleClientConnectionAsync: GetCertificate() before AuthenticateAsServerAsync). So each
/// handshake compares the files' last-write times and lengths with those of the loaded certificate
/// (two stat calls; the handshake itself costs far more). A change is loaded once the newest file is
/// <see cref="SettleMs"/> old, so a renewal that writes the certificate and then the key is not read
/// half done; until then, and if the new files do not load (unreadable, no key, key not matching,
/// not valid today: the same checks as at start, <see cref="BrokerCertificate.Problem"/>), the
/// current certificate stays in use. A failure is logged once per state of the files and counted
/// (<c>metering_broker_tls_reload_failures_total</c>); a reload is logged and counted
/// (<c>metering_broker_tls_reloads_total</c>); <c>metering_broker_tls_certificate_expiry_timestamp_seconds</c>
/// says when the certificate in use expires, for an alert before it does.</summary>
internal sealed class ReloadingCertificate : ICertificateProvider, IDisposable
{
    /// <summary>Our choice: renewal tools write the certificate and key within milliseconds of each
    /// other; one second is far beyond that and still prompt.</summary>
    internal const int SettleMs = 1_000;

    private readonly BrokerTlsOptions _tls;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<X509Certificate2> _retired = [];
    private readonly Counter<long>? _reloads;
    private readonly Counter<long>? _failures;
    private readonly Gauge<double>? _expiry;
    private X509Certificate2 _current;
    private FilesState _loaded;
    private FilesState? _failed;

    /// <summary>Loads the certificate now; throws as <see cref="BrokerCertificate.Load"/> does (the
    /// options validator has already checked it at start).</summary>
    public ReloadingCertificate(BrokerTlsOptions tls, TimeProvider time, ILogger logger, Meter? brokerMeter)
    {
        _tls = tls;
        _time = time;
        _logger = logger;
        _loaded = FilesState.Read(tls);
        _current = BrokerCertificate.Load(tls);
        if (brokerMeter is not null)
        {
            _reloads = brokerMeter.CreateCounter<long>("metering_broker_tls_reloads_total",
                description: "Embedded broker: TLS certificates loaded again after their files changed.");
            _failures = brokerMeter.CreateCounter<long>("metering_broker_tls_reload_failures_total",
                description: "Embedded broker: changed TLS certificate files that could not be loaded (the previous certificate stays in use).");
            _expiry = brokerMeter.CreateGauge<double>("metering_broker_tls_certificate_expiry_timestamp_seconds",
                description: "Embedded broker: when the TLS certificate in use expires (Unix time).");
            _reloads.Add(0);
            _failures.Add(0);
            _expiry.Record(_current.NotAfter.ToUniversalTime().Subtract(DateTime.UnixEpoch).TotalSeconds);
        }
    }

    /// <summary>The certificate in use now.</summary>
    public X509Certificate2 Current
    {
        get { lock (_gate) return _current; }
    }

    /// <summary>Called by MQTTnet for every TLS connection.</summary>
    public X509Certificate2 GetCertificate()
    {
        lock (_gate)
        {
            var now = FilesState.Read(_tls);
            if (now == _loaded || now == _failed) return _current;
            if (now.NewestWriteUtc > _time.GetUtcNow().UtcDateTime.AddMilliseconds(-SettleMs)) return _current; // still being written
            Reload(now);
            return _current;
        }
    }

    private void Reload(FilesState now)
    {
        X509Certificate2? fresh = null;
        string? problem;
        try
        {
            problem = BrokerCertificate.Problem(_tls);
            if (problem is null) fresh = BrokerCertificate.Load(_tls);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Problem() catches the usual loader exceptions; anything else must not fail the handshake either.
            problem = $"cannot be loaded: {e.GetType().Name}: {e.Message}";
        }
        if (fresh is null)
        {
            _failed = now;
            _failures?.Add(1);
            _logger.LogError("TLS certificate {File} changed but {Problem}; still serving the previous one ({Subject}, valid until {NotAfter:u}). " +
                "Fix the files (Metering:Broker:Tls:CertificateFile / KeyFile / Password); they are checked again when they change.",
                _tls.CertificateFile, problem, _current.Subject, _current.NotAfter.ToUniversalTime());
            return;
        }
        // Connections made with the old certificate may still refer to it: disposed at shutdown only
        // (a renewal every few weeks keeps this list short).
        _retired.Add(_current);
        _current = fresh;
        _loaded = now;
        _failed = null;
        _reloads?.Add(1);
        _expiry?.Record(fresh.NotAfter.ToUniversalTime().Subtract(DateTime.UnixEpoch).TotalSeconds);
        _logger.LogWarning("TLS certificate reloaded from {File}: {Subject}, issued by {Issuer}, valid until {NotAfter:u}, thumbprint {Thumbprint}; " +
            "new connections get it", _tls.CertificateFile, fresh.Subject, fresh.Issuer, fresh.NotAfter.ToUniversalTime(), fresh.Thumbprint);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var c in _retired) c.Dispose();
            _retired.Clear();
            _current.Dispose();
        }
    }

    /// <summary>Last-write time and length of the certificate and key files (missing: MinValue, -1).</summary>
    private readonly record struct FilesState(DateTime CertWriteUtc, long CertLength, DateTime KeyWriteUtc, long KeyLength)
    {
        public DateTime NewestWriteUtc => CertWriteUtc > KeyWriteUtc ? CertWriteUtc : KeyWriteUtc;

        public static FilesState Read(BrokerTlsOptions tls)
        {
            var (certWrite, certLength) = Stat(tls.CertificateFile);
            var (keyWrite, keyLength) = string.IsNullOrWhiteSpace(tls.KeyFile) ? (DateTime.MinValue, -1L) : Stat(tls.KeyFile);
            return new FilesState(certWrite, certLength, keyWrite, keyLength);
        }

        private static (DateTime, long) Stat(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
        }
    }
}
