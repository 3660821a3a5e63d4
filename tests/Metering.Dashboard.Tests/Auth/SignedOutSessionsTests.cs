using Commons.Metering.Gateway.Auth;
using Commons.Metering.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Dashboard.Tests.Auth;

public sealed class SignedOutSessionsTests : IDisposable
{
    private readonly TempDir _dir = new("signed-out");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void ASignedOutSession_StaysRefusedAcrossARestart_UntilNoCopyCouldBeValid()
    {
        var sessions = new SignedOutSessions(_dir.Path, _time);
        sessions.End("abc", TimeSpan.FromHours(12));
        Assert.True(sessions.IsEnded("abc"));
        Assert.False(sessions.IsEnded("other"));
        Assert.False(sessions.IsEnded(null));

        _time.Advance(TimeSpan.FromHours(11));
        Assert.True(new SignedOutSessions(_dir.Path, _time).IsEnded("abc"));
        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(new SignedOutSessions(_dir.Path, _time).IsEnded("abc"));
        Assert.Equal("", File.ReadAllText(Path.Combine(_dir.Path, AuthDefaults.SignedOutFileName)).Trim());
    }

    public void Dispose() => _dir.Dispose();
}
