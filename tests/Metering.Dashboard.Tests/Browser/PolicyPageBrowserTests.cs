using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>The Policy page as a council member uses it: a proposal shows what it changes (summary,
/// diff, whole file), the policy in force downloads and starts a proposal, refused proposals stay
/// visible with why; and nothing a member types or was told is erased by another member's act.</summary>
[Trait("Category", "Integration")]
public sealed class PolicyPageBrowserTests(BrowserSession browser) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task AProposal_ShowsItsSummaryDiffAndFile_AndARefusedOneStaysVisibleWithWhy()
    {
        var page = await browser.SignInAsync("amina", BrowserSession.Desktop);
        await page.GotoAsync("/dashboard/#/policy");
        await Expect(page.Locator("#download-policy")).ToHaveAttributeAsync("href", "/api/v1/policy.yaml");
        await page.ClickAsync("#start-from-policy");
        await Expect(page.Locator("#propose textarea[name=yaml]")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("community: demo"));
        var yaml = await page.InputValueAsync("#propose textarea[name=yaml]");
        await page.FillAsync("#propose textarea[name=yaml]", yaml.Replace("persons: 2", "persons: 1"));
        await page.ClickAsync("#propose button[type=submit]");
        await Expect(page.Locator("#act-status")).ToContainTextAsync("Done");
        var card = page.Locator("#proposals article[data-state=pending]").First;
        await Expect(card).ToContainTextAsync("Household h02: 2 persons → 1 person.");
        await Expect(card).ToContainTextAsync("amina (1 of 2 needed)");
        await card.Locator("details.diff summary").ClickAsync();
        await Expect(card.Locator("details.diff .del")).ToHaveTextAsync(["-     persons: 2"]);
        await Expect(card.Locator("details.diff .add")).ToHaveTextAsync(["+     persons: 1"]);
        // The form is empty again after an accepted proposal.
        await Expect(page.Locator("#propose textarea[name=yaml]")).ToHaveValueAsync("");

        await page.FillAsync("#propose textarea[name=yaml]", "version: 1\ncommunity: demo\ncouncil: { k: 9 }\n");
        await page.ClickAsync("#propose button[type=submit]");
        await Expect(page.Locator("#act-status [role=alert]")).ToContainTextAsync("errors in proposal.yaml");
        await Expect(page.Locator("#refused article").First).ToContainTextAsync("Refused: ");
        await Expect(page.Locator("#refused article").First).ToContainTextAsync("by amina");
        foreach (var (_, size) in BrowserSession.Widths)
        {
            await page.SetViewportSizeAsync(size.Width, size.Height);
            await BrowserSession.AssertNoSidewaysScrollAsync(page);
            await BrowserSession.ScreenshotAsync(page, "policy-council");
        }
        await page.CloseAsync();
    }

    [Fact]
    public async Task AnotherMembersAct_KeepsWhatIsTyped_AndTheErrorShown()
    {
        foreach (var (_, size) in BrowserSession.Widths)
        {
            var page = await browser.SignInAsync("chen", size);
            await page.GotoAsync("/dashboard/#/policy");
            using var bruno = await browser.Gateway.SignInAsync("bruno");
            var draft = "version: 1\ncommunity: demo\n# a draft being typed " + size.Width;
            await page.FillAsync("#propose textarea[name=yaml]", draft);
            await page.FillAsync("#declare input[name=reason]", "well pump broken");
            // Another council member's act (refused: no emergency to renew) is audited and goes out live.
            await BrunoActsAndThePageRefreshesAsync(page, bruno);
            await Expect(page.Locator("#propose textarea[name=yaml]")).ToHaveValueAsync(draft);
            await Expect(page.Locator("#declare input[name=reason]")).ToHaveValueAsync("well pump broken");

            // A refused proposal's error stays through the next live refresh, and so does the text.
            await page.ClickAsync("#propose button[type=submit]");
            await Expect(page.Locator("#act-status [role=alert]")).ToContainTextAsync("Refused");
            await BrunoActsAndThePageRefreshesAsync(page, bruno);
            await Expect(page.Locator("#act-status [role=alert]")).ToContainTextAsync("Refused");
            await Expect(page.Locator("#propose textarea[name=yaml]")).ToHaveValueAsync(draft);
            await page.CloseAsync();
        }
    }

    /// <summary>bruno signs a renewal with no emergency in force: refused and audited, so the audit
    /// section of the open page shows one record more once its live refresh ran.</summary>
    private static async Task BrunoActsAndThePageRefreshesAsync(IPage page, HttpClient bruno)
    {
        var before = await page.TextContentAsync("#audit-verification");
        using var r = await bruno.PostAsync("api/v1/emergency/renew",
            new StringContent("{\"hours\":24}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, r.StatusCode);
        await Expect(page.Locator("#audit-verification")).Not.ToHaveTextAsync(before!, new() { Timeout = 5_000 });
    }
}
