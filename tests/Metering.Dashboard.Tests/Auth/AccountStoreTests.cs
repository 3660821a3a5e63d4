using Commons.Metering.Gateway.Auth;
using Commons.Metering.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Dashboard.Tests.Auth;

public sealed class AccountStoreTests : IDisposable
{
    private readonly TempDir _dir = new("accounts");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    private AccountStore Open() => new(_dir.Path, _time);

    [Fact]
    public void Verify_AcceptsTheRightPasswordOnly_AndTheFileHoldsASaltedHashNotThePassword()
    {
        var store = Open();
        Assert.True(store.Add("amina", Role.Council, null, "river-spring-42").Ok);
        Assert.True(store.Add("bruno", Role.Council, null, "river-spring-42").Ok);
        Assert.Equal("amina", store.Verify("amina", "river-spring-42")?.Name);
        Assert.Null(store.Verify("amina", "river-spring-43"));
        Assert.Null(store.Verify("nobody", "river-spring-42"));
        var file = File.ReadAllText(store.FilePath);
        Assert.DoesNotContain("river-spring-42", file);
        // Same password, different salt: the two hashes differ.
        var reopened = Open();
        Assert.NotEqual(reopened.Find("amina")!.PasswordHash, reopened.Find("bruno")!.PasswordHash);
        Assert.Equal("amina", reopened.Verify("amina", "river-spring-42")?.Name);
    }

    [Fact]
    public void Add_GeneratesAPasswordWhenNoneIsGiven_AndReturnsItOnce()
    {
        var store = Open();
        var change = store.Add("tech", Role.Technician, null, null);
        Assert.True(change.Ok);
        Assert.True(change.Secret!.Length >= 20);
        Assert.NotNull(store.Verify("tech", change.Secret));
        Assert.DoesNotContain(change.Secret, File.ReadAllText(store.FilePath));
    }

    [Theory]
    [InlineData("Amina", Role.Council, null, "'name' must match")]
    [InlineData("m1", Role.Member, null, "needs 'household'")]
    [InlineData("c1", Role.Council, "h01", "Only a member account")]
    public void Add_RefusesInvalidAccounts(string name, Role role, string? household, string error)
    {
        var store = Open();
        var change = store.Add(name, role, household, "long-enough");
        Assert.False(change.Ok);
        Assert.Contains(error, change.Error);
        Assert.Equal(0, store.Count);
        Assert.False(File.Exists(store.FilePath));
    }

    [Fact]
    public void Tokens_AreStoredAsSha256Only_AndStopWorkingWhenRevoked()
    {
        var store = Open();
        store.Add("tech", Role.Technician, null, "long-enough");
        var change = store.AddToken("tech", "nightly export", TimeSpan.FromDays(90));
        var token = change.Secret!;
        Assert.StartsWith(AuthDefaults.TokenPrefix, token);
        Assert.DoesNotContain(token, File.ReadAllText(store.FilePath));
        Assert.Contains(AccountStore.Sha256(token), File.ReadAllText(store.FilePath));
        Assert.Equal("tech", Open().FindByToken(token)?.Name);
        Assert.Null(store.FindByToken(token + "x"));
        Assert.True(store.RemoveToken("tech", change.Account!.Tokens.Single().Id).Ok);
        Assert.Null(Open().FindByToken(token));
    }

    [Fact]
    public void TheLastAdministrator_CannotBeRemoved()
    {
        var store = Open();
        store.Add("root", Role.Administrator, null, "long-enough");
        Assert.Contains("last administrator", store.Remove("root").Error);
        store.Add("root2", Role.Administrator, null, "long-enough");
        Assert.True(store.Remove("root").Ok);
        Assert.Null(Open().Find("root"));
    }

    [Fact]
    public void SetPassword_ChangesTheStamp_SoOldSessionsEnd()
    {
        var store = Open();
        var stamp = store.Add("tech", Role.Technician, null, "long-enough").Account!.Stamp;
        Assert.True(store.SetPassword("tech", "another-one").Ok);
        Assert.NotEqual(stamp, store.Find("tech")!.Stamp);
        Assert.Null(store.Verify("tech", "long-enough"));
    }

    [Fact]
    public void Tokens_ExpireAtTheirLifetime_AndAPasswordChangeRevokesThemAll()
    {
        var store = Open();
        store.Add("tech", Role.Technician, null, "long-enough");
        var shortLived = store.AddToken("tech", "one day", TimeSpan.FromDays(1)).Secret!;
        var longLived = store.AddToken("tech", "a year", TimeSpan.FromDays(365)).Secret!;
        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        Assert.Equal("tech", store.FindByToken(shortLived)?.Name);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(store.FindByToken(shortLived));
        Assert.Equal("tech", store.FindByToken(longLived)?.Name);

        Assert.True(store.SetPassword("tech", "another-one").Ok);
        Assert.Null(Open().FindByToken(longLived));
        Assert.Empty(Open().Find("tech")!.Tokens);
    }

    [Fact]
    public void AnAdministratorsReset_IsMarkedOnTheAccount_BlocksNewTokens_UntilTheOwnerSetsTheirOwn()
    {
        var store = Open();
        store.Add("amina", Role.Council, null, "river-spring-42");
        var token = store.AddToken("amina", "script", TimeSpan.FromDays(90)).Secret!;
        Assert.True(store.SetPassword("amina", "set-by-the-admin", resetBy: "root").Ok);
        Assert.Equal("root", Open().Find("amina")!.ResetBy);
        Assert.Null(store.FindByToken(token));
        Assert.Contains("choose your own", store.AddToken("amina", "x", TimeSpan.FromDays(1)).Error);
        Assert.False(store.SetPassword("amina", "amina-chose-this").Ok); // holds her name
        Assert.True(store.SetPassword("amina", "river-autumn-43").Ok);
        Assert.Null(Open().Find("amina")!.ResetBy);
        Assert.True(store.AddToken("amina", "x", TimeSpan.FromDays(1)).Ok);
    }

    [Theory]
    [InlineData("12345678", "at least 10")]
    [InlineData("1234567890", "lists attackers try first")]
    [InlineData("0987654321", "lists attackers try first")]
    [InlineData("qwertyuiop", "lists attackers try first")]
    [InlineData("Password123", "lists attackers try first")]
    [InlineData("aaaaaaaaaaaa", "too few characters")]
    [InlineData("abababababab", "too few characters")]
    [InlineData("tech-is-my-name", "account's name")]
    public void WeakPasswords_AreRefusedWithTheReason(string password, string reason)
    {
        var store = Open();
        var change = store.Add("tech", Role.Technician, null, password);
        Assert.False(change.Ok);
        Assert.Contains(reason, change.Error);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void APassphrase_IsAccepted() => Assert.True(Open().Add("tech", Role.Technician, null, "correct horse battery").Ok);

    [Fact]
    public void ACorruptFile_StopsTheStoreWithAClearMessage_RatherThanStartingEmpty()
    {
        File.WriteAllText(Path.Combine(_dir.Path, AuthDefaults.AccountsFileName), "{ not json");
        var e = Assert.Throws<AccountsFileException>(Open);
        Assert.Contains("accounts.json is not valid JSON", e.Message);
    }

    public void Dispose() => _dir.Dispose();
}
