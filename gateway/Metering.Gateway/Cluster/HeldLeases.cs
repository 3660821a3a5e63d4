using System.Collections.Immutable;

namespace Commons.Metering.Gateway.Cluster;

/// <summary>The leases this instance holds, community to epoch: what the ledger fence and the HTTP
/// answers read. Changed only by <see cref="LeaseKeeper"/>; a lost lease leaves this set before anything
/// else happens, so from that instant the fence refuses the community's writes.</summary>
public sealed class HeldLeases
{
    private ImmutableDictionary<string, long> _held = ImmutableDictionary.Create<string, long>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Snapshot => Volatile.Read(ref _held);

    public bool Holds(string community) => Snapshot.ContainsKey(community);

    internal void Add(string community, long epoch) => ImmutableInterlocked.Update(ref _held, d => d.SetItem(community, epoch));

    internal bool Remove(string community, long epoch) =>
        ImmutableInterlocked.Update(ref _held, d => d.TryGetValue(community, out var e) && e == epoch ? d.Remove(community) : d);
}
