using System.Globalization;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Cookie sessions that signed out. A cookie is a signed ticket the browser holds: deleting it
/// in the browser leaves any copy (a proxy log, a shared computer, malware) valid until it expires. So
/// sign-out records the session's id until no copy can still be valid (now + the session lifetime: the
/// sliding renewal needs a valid cookie, which this id no longer is) and the cookie check refuses it.
/// Kept in {DataDirectory}/signed-out-sessions (one "id expiry-ms" line each, mode 600) so a restart
/// does not bring signed-out sessions back; expired lines are dropped when the file is read.</summary>
internal sealed class SignedOutSessions
{
    /// <summary>Lines appended beyond the live entries before the file is rewritten without the expired ones.</summary>
    private const int RewriteSlack = 1_000;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _ended = new(StringComparer.Ordinal);
    private int _appended;

    public SignedOutSessions(string dataDirectory, TimeProvider time)
    {
        _path = Path.Combine(dataDirectory, AuthDefaults.SignedOutFileName);
        _time = time;
        var now = time.GetUtcNow();
        if (!File.Exists(_path)) return;
        foreach (var line in File.ReadLines(_path))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                && DateTimeOffset.FromUnixTimeMilliseconds(ms) > now)
                _ended[parts[0]] = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
        Rewrite();
    }

    public bool IsEnded(string? sessionId)
    {
        if (sessionId is null) return false;
        lock (_lock) return _ended.ContainsKey(sessionId);
    }

    public void End(string sessionId, TimeSpan lifetime)
    {
        var until = _time.GetUtcNow() + lifetime;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var old in _ended.Where(p => p.Value <= now).Select(p => p.Key).ToList()) _ended.Remove(old);
            _ended[sessionId] = until;
            File.AppendAllText(_path, $"{sessionId} {until.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}\n");
            // Expired lines are dropped from the file too once they outnumber the live ones.
            if (++_appended > _ended.Count + RewriteSlack) Rewrite();
        }
    }

    private void Rewrite()
    {
        var temp = _path + ".tmp";
        File.WriteAllLines(temp, _ended.Select(p => $"{p.Key} {p.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}"));
        File.Move(temp, _path, overwrite: true);
        _appended = 0;
    }
}
