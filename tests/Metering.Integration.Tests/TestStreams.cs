using Xunit;

// Two streams of tests, no more: every test class without a [Collection] runs in the one default
// collection, one test after another, as on a quiet machine; the classes marked
// [Collection(TestStreams.Beside)] run one after another beside them. The Debian package test leads
// that stream: it spends minutes compiling a self-contained Release build while most integration tests
// spend theirs waiting for servers, timers and devices, so the compile fills the idle core instead of
// adding its minutes to the suite. After it come the long tests that load no timing-sensitive path of
// another test: the backlog replays (their own gateway, their own pace) and the connect throttles
// (which spend their time in the throttle's delays).
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]

namespace Commons.Metering.Tests;

/// <summary>The collection that runs beside the default collection.</summary>
internal static class TestStreams
{
    public const string Beside = "Beside: runs next to the other integration tests";
}
