using Commons.Metering.Gateway.Auth;

namespace Commons.Metering.Dashboard.Tests.Auth;

public sealed class LogTextTests
{
    [Theory]
    [InlineData("tech\r\nfail: forged line", "tech\\u000d\\u000afail: forged line")]
    [InlineData("admin\u202Etxt.exe", "admin\\u202etxt.exe")]
    [InlineData("am\u200Bina", "am\\u200bina")]
    [InlineData("nightly export", "nightly export")]
    public void ControlBidiAndZeroWidthCharacters_AreWrittenAsEscapes(string raw, string logged) => Assert.Equal(logged, LogText.Safe(raw));

    [Fact]
    public void LongText_IsCut() => Assert.Equal(LogText.MaxLength + 3, LogText.Safe(new string('x', 10_000)).Length);
}
