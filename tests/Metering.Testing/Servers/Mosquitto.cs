namespace Commons.Metering.Testing.Servers;

/// <summary>A real mosquitto (Debian package 'mosquitto', /usr/sbin/mosquitto) on a free loopback
/// port with its own config, persistence and log in a temporary folder. Settings: anonymous access
/// (loopback only; or, with the second constructor, a password_file and acl_file and no anonymous access), persistence so queued messages of persistent sessions survive a broker restart,
/// max_inflight_messages 1000 and max_queued_messages 100000 so a gateway that was down gets its
/// backlog; 'user' is the current user, since mosquitto started as root would otherwise drop to
/// the 'mosquitto' user and lose access to the folder. Restart() keeps the folder, the port and therefore the stored sessions.</summary>
public sealed class Mosquitto : ServerProcess
{
    private readonly TempDir _dir;

    public Mosquitto() : this(new TempDir("mosquitto"), FreePort.Next(), null, null)
    {
    }

    /// <summary>Anonymous broker with mosquitto's own default autosave_interval (1800 s): what it
    /// holds in memory between saves is lost on a SIGKILL or a power cut, as on a field install.</summary>
    public static Mosquitto WithDefaultAutosave() => new(new TempDir("mosquitto"), FreePort.Next(), null, null, autosaveIntervalS: 1800);

    /// <summary>Anonymous broker with <paramref name="extraConfig"/> appended (e.g. a bridge section).</summary>
    public static Mosquitto WithConfig(string extraConfig, int autosaveIntervalS = 1800) =>
        new(new TempDir("mosquitto"), FreePort.Next(), null, null, autosaveIntervalS, extraConfig);

    /// <summary>Anonymous broker that queues without limit for a slow QoS 1 client (max_queued_messages 0)
    /// and holds its store in memory between rare saves. For throughput benchmarks: with the default
    /// limit mosquitto drops (silently for the publisher, which has its PUBACK) what a subscriber lags
    /// behind by more than 100,000 messages, and a load that outruns its consumer never completes.</summary>
    public static Mosquitto Unbounded(string extraConfig = "") =>
        new(new TempDir("mosquitto"), FreePort.Next(), null, null, 1800, extraConfig, maxQueuedMessages: 0);

    /// <summary>Authenticated broker: anonymous clients refused, users from a mosquitto password_file,
    /// access from an acl_file (e.g. the files of `metering broker credentials`).</summary>
    public Mosquitto(string passwordFile, string aclFile) : this(new TempDir("mosquitto"), FreePort.Next(), passwordFile, aclFile)
    {
    }

    private Mosquitto(TempDir dir, int port, string? passwordFile, string? aclFile, int autosaveIntervalS = 1, string extraConfig = "", int maxQueuedMessages = 100_000)
        : base("mosquitto", "mosquitto", "mosquitto", ["-c", WriteConfig(dir, port, passwordFile, aclFile, autosaveIntervalS, extraConfig, maxQueuedMessages)], port, dir.Path)
    {
        _dir = dir;
    }

    public string Directory => _dir.Path;

    private static string WriteConfig(TempDir dir, int port, string? passwordFile, string? aclFile, int autosaveIntervalS, string extraConfig, int maxQueuedMessages)
    {
        var config = dir.File("mosquitto.conf");
        var access = passwordFile is null
            ? "allow_anonymous true"
            : $"allow_anonymous false\npassword_file {Path.GetFullPath(passwordFile)}" + (aclFile is null ? "" : $"\nacl_file {Path.GetFullPath(aclFile)}");
        File.WriteAllText(config, $"""
            listener {port} 127.0.0.1
            {access}
            user {System.Environment.UserName}
            persistence true
            persistence_location {dir.Path}/
            autosave_interval {autosaveIntervalS}
            max_inflight_messages 1000
            max_queued_messages {maxQueuedMessages}
            log_dest stdout
            log_type error
            log_type warning
            log_type notice

            """ + extraConfig);
        return config;
    }

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}
