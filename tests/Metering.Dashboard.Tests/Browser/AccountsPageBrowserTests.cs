using static Microsoft.Playwright.Assertions;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>The Accounts page as an administrator uses it: a readable error for a bad name, a warning
/// for a council account the policy's council does not list, labelled tokens that can be revoked, a
/// password reset shown once.</summary>
[Trait("Category", "Integration")]
public sealed class AccountsPageBrowserTests(BrowserSession browser) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Administrator_GetsReadableErrors_AWarning_LabelledAndRevocableTokens_AndResetsAPassword()
    {
        var page = await browser.SignInAsync("admin", BrowserSession.Desktop);
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync("/dashboard/#/accounts");
        await page.FillAsync("#create-account input[name=name]", "Maria Lopez");
        await page.ClickAsync("#create-account button[type=submit]");
        await Expect(page.Locator("#account-status [role=alert]")).ToContainTextAsync("lower-case letters, digits");
        await Expect(page.Locator("#account-status [role=alert]")).Not.ToContainTextAsync("^[a-z");

        await page.FillAsync("#create-account input[name=name]", "dana");
        await page.SelectOptionAsync("#create-account select[name=role]", "council");
        await page.ClickAsync("#create-account button[type=submit]");
        await Expect(page.Locator("#account-warning")).ToContainTextAsync("'dana' is not on the council of the policy in force (amina, bruno, chen)");

        // No token button on another account's row: a token acts as its account.
        await Expect(page.Locator("#accounts tr", new() { HasText = "tech" }).First.Locator("button[data-token]")).ToHaveCountAsync(0);
        var row = page.Locator("#accounts tr", new() { HasText = "admin" }).First;
        await row.Locator("input[name=label]").FillAsync("grafana");
        await row.Locator("button[data-token]").ClickAsync();
        await Expect(page.Locator("#account-status code.secret")).ToBeVisibleAsync();
        row = page.Locator("#accounts tr", new() { HasText = "grafana" });
        await Expect(row).ToContainTextAsync("grafana (created ");
        await row.Locator("button[data-revoke]").ClickAsync();
        await Expect(page.Locator("#accounts")).Not.ToContainTextAsync("grafana");

        await page.Locator("#accounts tr", new() { HasText = "dana" }).Locator("button[data-reset]").ClickAsync();
        await Expect(page.Locator("#account-status")).ToContainTextAsync("New password of dana (shown once)");
        var password = await page.Locator("#account-status code.secret").TextContentAsync();
        using var dana = new HttpClient(new HttpClientHandler { CookieContainer = new() }) { BaseAddress = browser.Gateway.BaseUrl };
        using var signin = await dana.PostAsync("api/v1/session", new StringContent($"{{\"name\":\"dana\",\"password\":\"{password}\"}}", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(signin.IsSuccessStatusCode, "the reset password signs in");
        foreach (var (_, size) in BrowserSession.Widths)
        {
            await page.SetViewportSizeAsync(size.Width, size.Height);
            await BrowserSession.AssertNoWordBrokenAsync(page);
            await BrowserSession.ScreenshotAsync(page, "accounts-admin");
        }
        await page.CloseAsync();
    }
}
