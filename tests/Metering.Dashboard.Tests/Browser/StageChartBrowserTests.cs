using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace Commons.Metering.Dashboard.Tests.Browser;

/// <summary>The real gateway under policies/stages.yaml: a reservoir level gauge drives three water stages.</summary>
public sealed class StagesBrowserSession() : BrowserSession("stages.yaml");

/// <summary>The overview's stage chart (assets/stage-chart.js) in real Chromium at a laptop's and a
/// phone's width: a reservoir that fell from 1300 mm to 350 mm over 90 minutes is drawn as a falling
/// line that starts above the stage 1 threshold and ends below stage 3's, with the three thresholds in
/// order, their hysteresis bands, the stale rule stated, and the water card at stage 3.</summary>
[Trait("Category", "Integration")]
public sealed class StageChartBrowserTests(StagesBrowserSession browser) : IClassFixture<StagesBrowserSession>
{
    private static readonly long[] LevelsMm = [1300, 1250, 1150, 1000, 850, 750, 600, 450, 380, 350];

    /// <summary>(stage, threshold mm) of policies/stages.yaml, each with a 100 mm hysteresis band.</summary>
    private static readonly (int Stage, long ThresholdMm)[] Thresholds = [(1, 1200), (2, 800), (3, 400)];

    /// <summary>What the chart drew: each threshold line's y by stage, the level line's points (x, y), the
    /// hysteresis bands, the texts and those cut by the chart's edge, the chart's rendered width and right
    /// edge in CSS pixels, and its card's share of the width of its row of cards.</summary>
    private sealed record Drawn(Dictionary<string, double> Thresholds, double[][] Points, int Bands, string[] Labels, string[] Clipped, double Width, double Right, double Row)
    {
        /// <summary>From Playwright's serialization, whose objects carry a "$id" of their own.</summary>
        public static Drawn Of(JsonElement e) => new(
            e.GetProperty("thresholds").EnumerateObject().Where(p => !p.Name.StartsWith('$')).ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal),
            e.GetProperty("points").EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray(),
            e.GetProperty("bands").GetInt32(),
            e.GetProperty("labels").EnumerateArray().Select(t => t.GetString() ?? "").ToArray(),
            e.GetProperty("clipped").EnumerateArray().Select(t => t.GetString() ?? "").ToArray(),
            e.GetProperty("width").GetDouble(),
            e.GetProperty("right").GetDouble(),
            e.GetProperty("row").GetDouble());
    }

    [Fact]
    public async Task Overview_ChartsTheReservoirLevelAgainstTheStageThresholds_AtBothWidths()
    {
        var gw = browser.Gateway;
        using (var tech = await gw.SignInAsync("tech"))
        {
            // A gauge-only node names no resource, so it cannot register itself: a technician commissions it.
            using var r = await tech.PostAsJsonAsync("api/v1/meters", new { id = "reservoir", community = "demo", resource = "water" });
            Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
        var start = DateTimeOffset.UtcNow.AddMinutes(-90);
        for (var i = 0; i < LevelsMm.Length; i++)
            await gw.PublishLevelAsync("reservoir", "level_mm", i + 1, start.AddMinutes(10 * i), LevelsMm[i]);

        using (var amina = await gw.SignInAsync("amina"))
        {
            Assert.True(await DashboardGateway.EventuallyAsync(async () =>
            {
                var o = await amina.GetFromJsonAsync<JsonElement>("api/v1/overview/stage-gauges");
                return o.GetProperty("signals")[0].GetProperty("points").GetArrayLength() == LevelsMm.Length;
            }, TimeSpan.FromSeconds(15)), "the gauges did not reach the stage-gauges API");
        }

        foreach (var (name, size) in BrowserSession.Widths)
        {
            var page = await browser.SignInAsync("amina", size);
            await page.GotoAsync("/dashboard/#/overview");
            var chart = page.Locator("[data-gauge='reservoir/level_mm'] svg.stage-chart");
            await Expect(chart).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await Expect(page.Locator("[data-resource=water] .stage")).ToContainTextAsync("Stage 3", new() { Timeout = 15_000 });
            await Expect(page.Locator("[data-gauge='reservoir/level_mm']")).ToContainTextAsync("Silent for 30 min");

            var raw = await chart.EvaluateAsync<JsonElement>("""
                (svg) => {
                  const thresholds = {};
                  svg.querySelectorAll('line.threshold').forEach((l) => { thresholds[l.dataset.stage] = +l.getAttribute('y1'); });
                  const points = svg.querySelector('polyline.level').getAttribute('points').trim().split(' ').map((p) => p.split(',').map(Number));
                  const labels = [...svg.querySelectorAll('text')].map((t) => t.textContent);
                  const box = svg.getBoundingClientRect();
                  const clipped = [...svg.querySelectorAll('text')].filter((t) => { const b = t.getBBox(); return b.x < 0 || b.x + b.width > svg.viewBox.baseVal.width; })
                    .map((t) => t.textContent);
                  const row = svg.closest('.card').getBoundingClientRect().width / svg.closest('.cards').getBoundingClientRect().width;
                  return { thresholds, points, bands: svg.querySelectorAll('rect.hysteresis').length, labels, clipped, width: box.width, right: box.right, row };
                }
                """);
            var drawn = Drawn.Of(raw);

            // Three thresholds, each named and banded, stage 1 highest on the chart (SVG y grows downwards).
            Assert.Equal(Thresholds.Select(t => t.Stage.ToString(System.Globalization.CultureInfo.InvariantCulture)), drawn.Thresholds.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(3, drawn.Bands);
            Assert.True(drawn.Thresholds["1"] < drawn.Thresholds["2"] && drawn.Thresholds["2"] < drawn.Thresholds["3"], $"{name}: thresholds at y {string.Join(", ", drawn.Thresholds)}");
            Assert.Contains("stage 3", drawn.Labels);
            Assert.Contains("350", drawn.Labels);

            // Every sample, in time order, lower on the chart as the level fell; above stage 1 at the start, below stage 3 at the end.
            Assert.Equal(LevelsMm.Length, drawn.Points.Length);
            Assert.All(drawn.Points.Zip(drawn.Points.Skip(1)), p => Assert.True(p.Second[0] > p.First[0] && p.Second[1] > p.First[1], $"{name}: {string.Join(" ", p.First)} -> {string.Join(" ", p.Second)}"));
            Assert.True(drawn.Points[0][1] < drawn.Thresholds["1"], $"{name}: 1300 mm drawn at y {drawn.Points[0][1]}, stage 1 (1200 mm) at {drawn.Thresholds["1"]}");
            Assert.True(drawn.Points[^1][1] > drawn.Thresholds["3"], $"{name}: 350 mm drawn at y {drawn.Points[^1][1]}, stage 3 (400 mm) at {drawn.Thresholds["3"]}");
            // Each sample sits between the thresholds its level lies between (the y scale is linear in mm).
            for (var i = 0; i < LevelsMm.Length; i++)
                foreach (var (stage, mm) in Thresholds)
                    Assert.True(LevelsMm[i] > mm == drawn.Points[i][1] < drawn.Thresholds[stage.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                        $"{name}: {LevelsMm[i]} mm against stage {stage} ({mm} mm)");

            // Every label readable in full ("stage 1", not "stage :"), and the chart as wide as the page's
            // row of cards (a time series in a third of a laptop screen is too small to read), without
            // anything to scroll sideways for.
            Assert.True(drawn.Clipped.Length == 0, $"{name}: labels cut at the chart's edge: {string.Join(", ", drawn.Clipped)}");
            Assert.True(drawn.Row > 0.95, $"{name}: the chart's card takes {drawn.Row:P0} of its row");
            Assert.True(drawn.Right <= size.Width, $"{name}: chart {drawn.Width} px wide, right edge at {drawn.Right} of {size.Width}");
            await BrowserSession.AssertNoSidewaysScrollAsync(page);
            await BrowserSession.ScreenshotAsync(page, "overview-stages-member");
            await page.CloseAsync();
        }
    }
}
