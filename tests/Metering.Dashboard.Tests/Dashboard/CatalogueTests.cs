using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Commons.Metering.Gateway.Auth;

namespace Commons.Metering.Dashboard.Tests.Dashboard;

/// <summary>The dashboard's message catalogues (Dashboard/assets/i18n), read from the gateway's dll as
/// it serves them: one per language the accounts may choose, each with every key of English and the
/// same placeholders; every key the pages use exists; and no page script holds a user-visible
/// literal outside the catalogue (a sentence or a capitalised word in quotes).</summary>
public sealed partial class CatalogueTests
{
    private static readonly Assembly Gateway = typeof(Languages).Assembly;

    private static string Asset(string name)
    {
        using var stream = Gateway.GetManifestResourceStream("dashboard/" + name) ?? throw new InvalidOperationException($"the gateway embeds no dashboard/{name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Dictionary<string, string> Catalogue(string language) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(Asset($"i18n/{language}.json"))!;

    private static IEnumerable<(string Name, string Text)> Scripts() =>
        Gateway.GetManifestResourceNames().Where(n => n.StartsWith("dashboard/", StringComparison.Ordinal) && n.EndsWith(".js", StringComparison.Ordinal))
            .Select(n => (n, Asset(n["dashboard/".Length..])));

    [Fact]
    public void EachLanguageAnAccountMayChoose_HasACatalogue_AndNoOtherCatalogueIsServed()
    {
        var served = Gateway.GetManifestResourceNames().Where(n => n.StartsWith("dashboard/i18n/", StringComparison.Ordinal))
            .Select(n => Path.GetFileNameWithoutExtension(n)).Order().ToList();
        Assert.Equal(Languages.Supported.Order(), served);
        var english = Catalogue("en");
        foreach (var language in Languages.Supported) Assert.True(english.ContainsKey("language." + language), $"no name for the language '{language}' (language.{language})");
    }

    [Theory]
    [InlineData("es")]
    public void Catalogue_HasEveryKeyOfEnglish_NoOther_NoneEmpty_AndTheSamePlaceholders(string language)
    {
        var english = Catalogue("en");
        var other = Catalogue(language);
        Assert.Empty(english.Keys.Except(other.Keys).Select(k => $"{language} lacks '{k}'"));
        Assert.Empty(other.Keys.Except(english.Keys).Select(k => $"{language} has '{k}', English has not"));
        Assert.Empty(other.Where(p => string.IsNullOrWhiteSpace(p.Value)).Select(p => $"{language}: '{p.Key}' is empty"));
        var differing = english.Where(p => !Placeholders(p.Value).SetEquals(Placeholders(other[p.Key])))
            .Select(p => $"{p.Key}: English {{{string.Join("}, {", Placeholders(p.Value))}}}, {language} {{{string.Join("}, {", Placeholders(other[p.Key]))}}}");
        Assert.Empty(differing);
    }

    [Fact]
    public void EveryKeyThePagesUse_IsInTheCatalogue()
    {
        var english = Catalogue("en");
        var missing = new List<string>();
        foreach (var (name, source) in Scripts().Append(("index.html", Asset("index.html"))))
        {
            var text = WithoutComments(source);
            foreach (Match m in KeyCall().Matches(text))
                if (!english.ContainsKey(m.Groups[1].Value)) missing.Add($"{name}: '{m.Groups[1].Value}'");
            foreach (Match m in CountCall().Matches(text))
                foreach (var form in new[] { ".one", ".other" })
                    if (!english.ContainsKey(m.Groups[1].Value + form)) missing.Add($"{name}: '{m.Groups[1].Value}{form}'");
            // Keys built from a word the API sends (M.word('group', w), M.t('prefix.' + ...)): the family exists.
            foreach (Match m in KeyFamily().Matches(text))
            {
                var family = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                if (!english.Keys.Any(k => k.StartsWith(family + ".", StringComparison.Ordinal))) missing.Add($"{name}: no key '{family}.*'");
            }
        }
        Assert.Empty(missing);
    }

    [Fact]
    public void NoPageScript_HoldsAUserVisibleLiteral()
    {
        var found = Scripts().SelectMany(s => Literals(s.Text).Where(LooksLikeText).Select(l => $"{s.Name}: '{l}'")).ToList();
        Assert.Empty(found);
    }

    /// <summary>The scan itself finds what it must: a sentence or a capitalised word in quotes, not a
    /// CSS class, a key, a path or a word in a comment.</summary>
    [Fact]
    public void TheLiteralScan_FindsTextAndPassesCode()
    {
        const string Page = """
            // A comment says 'What happens here' in words.
            h('p', { class: 'card proposal' }, 'No usage yet.');
            h('button', null, "Reset");
            h('span', null, ' in force:');
            h('p', null, M.t('overview.nousage'), '/api/v1/overview', `used today by meters`);
            """;
        Assert.Equal(["No usage yet.", "Reset", " in force:", "used today by meters"], Literals(Page).Where(LooksLikeText));
    }

    private static HashSet<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Groups[1].Value)];

    /// <summary>String literals of a script, comments left out.</summary>
    private static IEnumerable<string> Literals(string script) =>
        Literal().Matches(WithoutComments(script)).Select(m => m.Groups.Cast<Group>().Skip(1).First(g => g.Success).Value);

    private static string WithoutComments(string script) => LineComment().Replace(BlockComment().Replace(script, " "), "$1");

    /// <summary>Words for people: starts with a capitalised word ("Reset", "No usage yet."), holds
    /// three lower-case words in a row ("used today by") or ends a phrase with a stop ("see the devices.",
    /// "in force:"). CSS classes ("card proposal") are code. So is HTTP's own header name.</summary>
    private static bool LooksLikeText(string literal) =>
        literal != "Content-Type" && (CapitalisedWord().IsMatch(literal) || ThreeWords().IsMatch(literal) || Phrase().IsMatch(literal));

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"M\.t\('([\w.]+)'\s*[,)]")]
    private static partial Regex KeyCall();

    [GeneratedRegex(@"M\.count\([^;]*?,\s*'([\w.]+)'\)")]
    private static partial Regex CountCall();

    [GeneratedRegex(@"M\.word\('(\w+)'|M\.(?:t|has)\('([\w.]+?)\.'\s*\+")]
    private static partial Regex KeyFamily();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"(^|[\s;,(){}])//[^\n]*", RegexOptions.Multiline)]
    private static partial Regex LineComment();

    [GeneratedRegex(@"'((?:[^'\\\n]|\\.)*)'|""((?:[^""\\\n]|\\.)*)""|`((?:[^`\\]|\\.)*)`")]
    private static partial Regex Literal();

    [GeneratedRegex(@"^\s*[A-Z][a-z]+")]
    private static partial Regex CapitalisedWord();

    [GeneratedRegex(@"[a-z]{2,} [a-z]{2,} [a-z]{2,}")]
    private static partial Regex ThreeWords();

    [GeneratedRegex(@"[A-Za-z] [A-Za-z]+[.:?!]\s*$")]
    private static partial Regex Phrase();
}
