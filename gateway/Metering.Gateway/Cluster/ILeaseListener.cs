namespace Commons.Metering.Gateway.Cluster;

/// <summary>What follows a community's lease: its broker session (<see cref="ClusterIngest"/>) and its
/// policy runtime (<see cref="PolicyRuntimeGate"/>). Called by <see cref="LeaseKeeper"/> one transition
/// at a time, in order; <see cref="LostAsync"/> comes after the fence already refuses the community.</summary>
public interface ILeaseListener
{
    Task AcquiredAsync(string community, CancellationToken cancellationToken);

    Task LostAsync(string community, CancellationToken cancellationToken);
}
