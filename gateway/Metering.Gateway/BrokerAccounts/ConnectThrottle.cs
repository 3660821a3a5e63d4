namespace Commons.Metering.Gateway.BrokerAccounts;

/// <summary>Slows repeated refused connects down, so guessing a device's password runs at a few
/// tries a minute per name however many connections the guesser opens, and the guessing does not
/// slow the real device down.
///
/// Refusals are remembered per user name (across addresses), per user name and address together,
/// and per client address. A connect waits <c>base * 2^(n-1)</c>, at most <c>max</c>, before its
/// password is even checked, n being the refusals of its user (or of its user at its address, or
/// of its address beyond <see cref="AddressGrace"/>). Parallel connects of one user are serialised:
/// each takes the next slot (<see cref="TryReserve"/>) as if every check still pending had failed,
/// and a connect whose slot lies further off than <c>max</c> is refused at once, unchecked. So 32
/// parallel guessers get what one gets (about 12 checks a minute at the defaults), not 32 times it.
///
/// The real device is not made to wait for a guesser elsewhere: the address a user last connected
/// from successfully is exempt from that user's cross-address count (the user-and-address count
/// still applies there, so a guesser behind the device's own address is slowed as before). A device
/// that has not connected since the gateway started has no such address yet.
///
/// Addresses get <see cref="AddressGrace"/> free refusals: a village's devices often share one NAT
/// address, and one misconfigured device must not slow its neighbours at once. A successful connect
/// forgets its user's refusals; all are forgotten <see cref="Forget"/> after the last one. Memory is
/// bounded by <see cref="MaxTracked"/> keys.</summary>
internal sealed class ConnectThrottle(TimeProvider time, int baseDelayMs, int maxDelayMs)
{
    /// <summary>Refusals an address may collect before it is slowed (our choice, see above).</summary>
    public const int AddressGrace = 10;

    /// <summary>Bound of remembered keys (~100 bytes each): a flood of made-up user names cannot
    /// grow the gateway's memory; past it only already known keys are counted (the address still is).</summary>
    public const int MaxTracked = 10_000;

    /// <summary>Like fail2ban's default findtime of 10 minutes, rounded up.</summary>
    public static readonly TimeSpan Forget = TimeSpan.FromMinutes(15);

    private sealed class Entry
    {
        public int Failures;
        public int Pending;
        public DateTimeOffset Last;
        public DateTimeOffset NotBefore;
    }

    private readonly Lock _sync = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _goodAddress = new(StringComparer.Ordinal);

    public int Tracked
    {
        get { lock (_sync) return _entries.Count; }
    }

    /// <summary>How long a connect of this user from this address would wait now for the refusals
    /// so far (without a slot: what one sequential client sees).</summary>
    public TimeSpan DelayFor(string? user, string? address)
    {
        lock (_sync) return Delay(Refusals(user, address, pending: false, create: false));
    }

    /// <summary>Takes the next check slot of this user: false when it lies more than the longest delay
    /// ahead (refuse now, unchecked); otherwise <paramref name="wait"/> is how long to wait before
    /// checking the password. Every reservation ends in <see cref="Failed"/> or <see cref="Succeeded"/>.</summary>
    public bool TryReserve(string? user, string? address, out TimeSpan wait)
    {
        lock (_sync)
        {
            var now = time.GetUtcNow();
            wait = Delay(Refusals(user, address, pending: true, create: true));
            var slotted = Slotted(user, address, create: true);
            foreach (var e in slotted)
                if (e.NotBefore - now > wait) wait = e.NotBefore - now;
            // A lone guesser's next slot is max at most, but measured from a wait whose timer may fire a
            // millisecond early it can come out a hair beyond: one base step of slack, so only a
            // connect queued behind others' pending checks is refused unchecked.
            if (baseDelayMs > 0 && wait > TimeSpan.FromMilliseconds(maxDelayMs + baseDelayMs)) return false;
            foreach (var e in slotted)
            {
                e.Pending++;
                e.NotBefore = now + wait + Delay(e.Failures + e.Pending);
            }
            return true;
        }
    }

    public void Failed(string? user, string? address)
    {
        lock (_sync)
        {
            foreach (var key in new[] { UserKey(user), PairKey(user, address), AddressKey(address) })
            {
                if (Get(key, create: true) is not { } e) continue;
                if (e.Pending > 0) e.Pending--;
                e.Failures++;
                e.Last = time.GetUtcNow();
            }
        }
    }

    /// <summary>Forgets the user's refusals and remembers the address as the user's own.</summary>
    public void Succeeded(string user, string? address = null)
    {
        lock (_sync)
        {
            _entries.Remove(UserKey(user)!);
            if (PairKey(user, address) is { } pair) _entries.Remove(pair);
            if (address is not null && (_goodAddress.ContainsKey(user) || _goodAddress.Count < MaxTracked)) _goodAddress[user] = address;
        }
    }

    /// <summary>Refusals that count for this connect: its user's (unless it comes from the user's own
    /// address), its user's at its address, its address's beyond the grace; with pending checks.</summary>
    private int Refusals(string? user, string? address, bool pending, bool create)
    {
        var n = 0;
        foreach (var e in Slotted(user, address, create)) n = Math.Max(n, e.Failures + (pending ? e.Pending : 0));
        if (Get(AddressKey(address), create: false) is { } a) n = Math.Max(n, a.Failures - AddressGrace);
        return n;
    }

    /// <summary>The entries whose checks are serialised for this connect (created when needed).</summary>
    private List<Entry> Slotted(string? user, string? address, bool create)
    {
        var list = new List<Entry>(2);
        var own = user is not null && address is not null && _goodAddress.TryGetValue(user, out var good) && good == address;
        if (!own && Get(UserKey(user), create) is { } u) list.Add(u);
        if (Get(PairKey(user, address), create) is { } p) list.Add(p);
        return list;
    }

    private TimeSpan Delay(int refusals) =>
        refusals <= 0 || baseDelayMs <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min((double)baseDelayMs * Math.Pow(2, refusals - 1), maxDelayMs));

    /// <summary>The key's entry, forgotten when its last refusal is older than <see cref="Forget"/>
    /// and nothing waits; null for no key, or a new key past <see cref="MaxTracked"/>.</summary>
    private Entry? Get(string? key, bool create)
    {
        if (key is null) return null;
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(key, out var e))
        {
            if (e.Pending == 0 && e.Failures > 0 && now - e.Last > Forget) e.Failures = 0;
            return e;
        }
        if (!create) return null;
        if (_entries.Count >= MaxTracked)
        {
            foreach (var (k, old) in _entries.ToList())
                if (old.Pending == 0 && now - old.Last > Forget && old.NotBefore < now) _entries.Remove(k);
            if (_entries.Count >= MaxTracked) return null;
        }
        e = new Entry { Last = now, NotBefore = DateTimeOffset.MinValue };
        _entries[key] = e;
        return e;
    }

    private static string? UserKey(string? user) => string.IsNullOrEmpty(user) ? null : "u:" + user;

    private static string? PairKey(string? user, string? address) =>
        string.IsNullOrEmpty(user) || string.IsNullOrEmpty(address) ? null : "p:" + user + "@" + address;

    private static string? AddressKey(string? address) => string.IsNullOrEmpty(address) ? null : "a:" + address;
}
