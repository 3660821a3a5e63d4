using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Slows down password guessing (NIST SP 800-63B 5.2.2): after FreeFailures failed sign-ins
/// from one address, or of one name from one address, within <see cref="AuthDefaults.FailureWindow"/>,
/// the next attempt must wait 1 s, then 2 s, 4 s ... up to MaxLockoutSeconds. Attempts during the wait
/// are refused without checking the password (429 with Retry-After), so a guesser cannot even test one.
/// Never per name alone: then anyone could lock a victim out by failing with their name, and the real
/// owner, signing in from their own (clean) address, gets through however hard others hammer the name.
/// A guesser spread over many addresses is bounded by the password rule (<see cref="PasswordRule"/>) and
/// the PBKDF2 cost of each check instead.</summary>
internal sealed class SignInThrottle(IOptions<AuthOptions> options, TimeProvider time)
{
    /// <summary>Bounded memory: a flood of made-up names forgets the oldest entries.</summary>
    internal const int MaxTrackedKeys = 10_000;

    private readonly Dictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The keys of one attempt: its address, and the name from that address (the one a success clears).</summary>
    public static string[] Keys(string name, System.Net.IPAddress address) => ["addr:" + address, "name:" + name + "@" + address];

    /// <summary>How long the caller must still wait before an attempt for these keys; zero when free.</summary>
    public TimeSpan WaitFor(params string[] keys)
    {
        var now = time.GetUtcNow();
        var wait = TimeSpan.Zero;
        lock (_lock)
        {
            foreach (var key in keys)
            {
                if (!_failures.TryGetValue(key, out var f)) continue;
                if (now - f.Last > AuthDefaults.FailureWindow) { _failures.Remove(key); continue; }
                var until = f.Last + Lockout(f.Count);
                if (until - now > wait) wait = until - now;
            }
        }
        return wait;
    }

    public void Failed(params string[] keys)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_failures.Count >= MaxTrackedKeys)
            {
                foreach (var stale in _failures.OrderBy(p => p.Value.Last).Take(MaxTrackedKeys / 10).Select(p => p.Key).ToList())
                    _failures.Remove(stale);
            }
            foreach (var key in keys)
            {
                var count = _failures.TryGetValue(key, out var f) && now - f.Last <= AuthDefaults.FailureWindow ? f.Count + 1 : 1;
                _failures[key] = new Failures(count, now);
            }
        }
    }

    public void Succeeded(string key)
    {
        lock (_lock) _failures.Remove(key);
    }

    internal TimeSpan Lockout(int failures)
    {
        var over = failures - options.Value.FreeFailures;
        if (over < 0) return TimeSpan.Zero;
        var seconds = Math.Min(Math.Pow(2, Math.Min(over, 30)), options.Value.MaxLockoutSeconds);
        return TimeSpan.FromSeconds(seconds);
    }

    private readonly record struct Failures(int Count, DateTimeOffset Last);
}
