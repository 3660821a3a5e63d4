using System.Collections.Concurrent;

namespace Commons.Metering.Gateway.Registry;

/// <summary>Slows repeated refused connects down (repeated failed connects are slowed
/// down and counted). Every refusal is remembered per user name and per client address; a later
/// connect of that user (or from that address) waits <c>base * 2^(failures-1)</c>, at most
/// <c>max</c>, before its password is even checked, so guessing runs at a few tries a minute per
/// name. Addresses get <see cref="AddressGrace"/> free refusals first: a village's devices often
/// share one NAT address, and one misconfigured device must not slow its neighbours at once.
/// A successful connect forgets its user's refusals; all are forgotten <see cref="Forget"/> after
/// the last one. Memory is bounded by <see cref="MaxTracked"/> keys.</summary>
internal sealed class ConnectThrottle(TimeProvider time, int baseDelayMs, int maxDelayMs)
{
    /// <summary>Refusals an address may collect before it is slowed (our choice, see above).</summary>
    public const int AddressGrace = 10;

    /// <summary>Bound of remembered keys (~100 bytes each): a flood of made-up user names cannot
    /// grow the gateway's memory; past it only already known keys are counted (the address still is).</summary>
    public const int MaxTracked = 10_000;

    /// <summary>Like fail2ban's default findtime of 10 minutes, rounded up.</summary>
    public static readonly TimeSpan Forget = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, (int Count, long Last)> _failures = new(StringComparer.Ordinal);

    public int Tracked => _failures.Count;

    /// <summary>How long a connect of this user from this address waits before it is checked.</summary>
    public TimeSpan DelayFor(string? user, string? address)
    {
        var n = Math.Max(Count(UserKey(user)), Count(AddressKey(address)) - AddressGrace);
        return n <= 0 || baseDelayMs <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min((double)baseDelayMs * Math.Pow(2, n - 1), maxDelayMs));
    }

    public void Failed(string? user, string? address)
    {
        Add(UserKey(user));
        Add(AddressKey(address));
    }

    public void Succeeded(string user) => _failures.TryRemove(UserKey(user)!, out _);

    private int Count(string? key)
    {
        if (key is null || !_failures.TryGetValue(key, out var e)) return 0;
        return time.GetElapsedTime(e.Last) > Forget ? 0 : e.Count;
    }

    private void Add(string? key)
    {
        if (key is null) return;
        if (_failures.Count >= MaxTracked && !_failures.ContainsKey(key))
        {
            foreach (var (k, e) in _failures)
                if (time.GetElapsedTime(e.Last) > Forget) _failures.TryRemove(k, out _);
            if (_failures.Count >= MaxTracked) return;
        }
        var now = time.GetTimestamp();
        _failures.AddOrUpdate(key, (1, now), (_, e) => (time.GetElapsedTime(e.Last, now) > Forget ? 1 : e.Count + 1, now));
    }

    private static string? UserKey(string? user) => string.IsNullOrEmpty(user) ? null : "u:" + user;

    private static string? AddressKey(string? address) => string.IsNullOrEmpty(address) ? null : "a:" + address;
}
