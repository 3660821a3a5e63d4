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
        var change = store.AddToken("tech", "nightly export");
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
    public void ACorruptFile_StopsTheStoreWithAClearMessage_RatherThanStartingEmpty()
    {
        File.WriteAllText(Path.Combine(_dir.Path, AuthDefaults.AccountsFileName), "{ not json");
        var e = Assert.Throws<AccountsFileException>(Open);
        Assert.Contains("accounts.json is not valid JSON", e.Message);
    }

    public void Dispose() => _dir.Dispose();
}
