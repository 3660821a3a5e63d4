namespace Commons.Metering.Testing.Servers;

/// <summary>A real mosquitto (Debian package 'mosquitto', /usr/sbin/mosquitto) on a free loopback
/// port with its own config, persistence and log in a temporary folder. Settings: anonymous access
/// (loopback only), persistence so queued messages of persistent sessions survive a broker restart,
/// max_inflight_messages 1000 and max_queued_messages 100000 so a gateway that was down gets its
/// backlog; 'user' is the current user, since mosquitto started as root would otherwise drop to
/// the 'mosquitto' user and lose access to the folder. Restart() keeps the folder, the port and therefore the stored sessions.</summary>
public sealed class Mosquitto : ServerProcess
{
    private readonly TempDir _dir;

    public Mosquitto() : this(new TempDir("mosquitto"), FreePort.Next())
    {
    }

    private Mosquitto(TempDir dir, int port)
        : base("mosquitto", "mosquitto", "mosquitto", ["-c", WriteConfig(dir, port)], port, dir.Path)
    {
        _dir = dir;
    }

    public string Directory => _dir.Path;

    private static string WriteConfig(TempDir dir, int port)
    {
        var config = dir.File("mosquitto.conf");
        File.WriteAllText(config, $"""
            listener {port} 127.0.0.1
            allow_anonymous true
            user {System.Environment.UserName}
            persistence true
            persistence_location {dir.Path}/
            autosave_interval 1
            max_inflight_messages 1000
            max_queued_messages 100000
            log_dest stdout
            log_type error
            log_type warning
            log_type notice
            """);
        return config;
    }

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}
