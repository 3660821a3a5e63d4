using Xunit;

// Two streams of tests, no more: every test class without a [Collection] runs in the one default
// collection, one test after another; the classes marked [Collection(TestStreams.Beside)] run one after
// another beside them. Those spend most of their time waiting, not computing: the demo's first minute
// of simulated meters, the sign-in throttle's delays, a gateway stopped and started under a page. Each
// test class has its own gateway (and browser) on its own ports, so the two streams share nothing.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]

namespace Commons.Metering.Dashboard.Tests;

/// <summary>The collection that runs beside the default collection.</summary>
internal static class TestStreams
{
    public const string Beside = "Beside: runs next to the other dashboard tests";
}
