using Xunit;

// Two streams of tests, no more: every test class without a [Collection] runs in the one default
// collection, one test after another, as on a quiet machine; the Debian package test alone runs
// beside them (Packaging/DebianPackageTests.cs). That test spends minutes compiling a self-contained
// Release build, while most integration tests spend theirs waiting for servers, timers and devices,
// so the compile fills the idle core instead of adding its minutes to the suite.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]

namespace Commons.Metering.Tests;

/// <summary>The collection of the one test class that runs beside the default collection.</summary>
internal static class TestStreams
{
    public const string Packaging = "Packaging: runs beside the other integration tests";
}
