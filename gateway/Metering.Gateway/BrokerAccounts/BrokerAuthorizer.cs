using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.BrokerAccounts;

/// <summary>The embedded broker's access rules, from the same credentials file the command line
/// exports for mosquitto (<see cref="CredentialsFile"/>). The file is re-read when its write time or
/// length changes (checked at each connect: one stat call), so a newly provisioned device can
/// connect without a gateway restart. A file that cannot be read keeps the last good accounts and is
/// logged; with no good read ever, nobody is let in.</summary>
internal sealed class BrokerAuthorizer(IOptions<GatewayOptions> options, ILogger logger)
{
    private readonly Lock _sync = new();
    private Dictionary<string, BrokerAccount> _accounts = new(StringComparer.Ordinal);
    private (DateTime WriteTimeUtc, long Length) _loaded = (DateTime.MinValue, -1);

    public bool Required => options.Value.Broker.AuthenticationRequired;

    public string FilePath => Path.Combine(options.Value.Storage.DataDirectory, CredentialsFile.FileName);

    /// <summary>The account when the user exists and the password matches its hash; devices must
    /// also use their meter id as client id (docs/protocol.md, Transport), so one device cannot take
    /// over another's persistent session and with it that device's downlinks.</summary>
    public BrokerAccount? Authenticate(string? user, string? password, string clientId) =>
        Authenticate(user, password, clientId, out _);

    /// <summary>As above; <paramref name="refusal"/> says why not (a label of
    /// metering_broker_auth_failures_total: one of <see cref="RefusalReasons"/>).</summary>
    public BrokerAccount? Authenticate(string? user, string? password, string clientId, out string? refusal)
    {
        refusal = null;
        if (string.IsNullOrEmpty(user) || password is null)
        {
            refusal = "anonymous";
            return null;
        }
        var account = Find(user);
        if (account is null) refusal = "unknown_user";
        else if (!MosquittoPasswordHash.Verify(password, account.PasswordHash)) refusal = "wrong_password";
        else if (account.Role == BrokerRole.Device && !string.Equals(clientId, account.User, StringComparison.Ordinal)) refusal = "client_id_not_meter_id";
        return refusal is null ? account : null;
    }

    /// <summary>Every refusal reason, so /metrics shows each from the start at 0.</summary>
    public static readonly string[] RefusalReasons = ["anonymous", "unknown_user", "wrong_password", "client_id_not_meter_id", "throttled"];

    /// <summary>Why an embedded broker that requires authentication by default cannot serve anyone: its
    /// credentials file is missing, unreadable or empty. A field gateway left at the default then refuses
    /// to start, naming the setting, instead of running a broker that refuses every device. Set
    /// explicitly to true, the operator knows and may provision while it runs (the file is re-read).</summary>
    public static string? StartProblem(GatewayOptions o)
    {
        if (o.Broker.Mode != BrokerMode.Embedded || o.Broker.RequireAuthentication is not null) return null;
        var path = Path.GetFullPath(Path.Combine(o.Storage.DataDirectory, CredentialsFile.FileName));
        string? problem;
        try { problem = CredentialsFile.Read(path).Count > 0 ? null : File.Exists(path) ? "holds no accounts" : "does not exist"; }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException) { problem = "cannot be read: " + e.Message; }
        return problem is null ? null :
            $"{GatewayDefaults.Section}:Broker:RequireAuthentication is on (the default outside --demo) but the broker credentials file {path} {problem}. " +
            "Provision the devices first (`metering provision`, tools/Metering.Cli), set it to true to start anyway and provision " +
            $"while the gateway runs, or for a trial on loopback set {GatewayDefaults.Section}__Broker__RequireAuthentication=false.";
    }

    public BrokerAccount? Find(string user)
    {
        Reload();
        lock (_sync) return _accounts.GetValueOrDefault(user);
    }

    public static bool MayPublish(BrokerAccount account, string topic) => TopicAcl.AnyCovers(account.PublishFilters, topic);

    public static bool MaySubscribe(BrokerAccount account, string filter) => TopicAcl.AnyCovers(account.ReadFilters, filter);

    private void Reload()
    {
        var path = FilePath;
        var info = new FileInfo(path);
        var stamp = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, 0L);
        lock (_sync)
        {
            if (stamp == _loaded) return;
            try
            {
                _accounts = CredentialsFile.Read(path).ToDictionary(a => a.User, StringComparer.Ordinal);
                _loaded = stamp;
                logger.LogInformation("Broker credentials loaded from {Path}: {Count} accounts", path, _accounts.Count);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                logger.LogError(e, "Broker credentials file {Path} unreadable; keeping the {Count} accounts loaded before", path, _accounts.Count);
            }
        }
    }
}
