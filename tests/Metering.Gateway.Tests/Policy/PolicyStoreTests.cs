using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class PolicyStoreTests
{
    [Fact]
    public void InvalidFile_LeavesTheRunningPolicyInForce()
    {
        var store = new PolicyStore();
        Assert.True(store.TryApply(PolicyFiles.Village, "village.yaml").Ok);
        var running = store.Current;

        // Valid at the top (a new community name), broken further down: nothing of it may apply.
        var bad = PolicyFiles.Village.Replace("community: riverside", "community: renamed").Replace("    persons: 2", "    persons: x");
        var r = store.TryApply(bad, "village.yaml");

        Assert.False(r.Ok);
        Assert.Same(running, store.Current);
        Assert.Equal("riverside", store.Current.Community);
    }

    [Fact]
    public void ValidFile_ReplacesThePolicyWhole()
    {
        var store = new PolicyStore();
        Assert.False(store.HasPolicy);
        store.TryApply(PolicyFiles.Village, "village.yaml");
        var r = store.TryApply(PolicyFiles.Village.Replace("community: riverside", "community: renamed"), "village.yaml");
        Assert.True(r.Ok);
        Assert.Equal("renamed", store.Current.Community);
    }
}
