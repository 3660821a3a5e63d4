using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>A technician imports a meter's history from a real household's CSV (DAIAD, 24 hourly rows
/// with two register decreases: tests/data/import) through the ledger's rules, the same file again
/// changes nothing, a file with bad rows is refused whole with its lines named; the household's member
/// and the council export what the ledger then holds, exactly.</summary>
[Trait("Category", "Integration")]
public sealed class CsvApiTests(PolicyGateway gw) : IClassFixture<PolicyGateway>
{
    private static readonly string DaiadFile = Path.Combine(AppContext.BaseDirectory, "data", "import", "daiad_219ffd09_2017-03-13.csv");

    /// <summary>Computed from the file with awk (tests/data/README.md): the sum of the rises between
    /// consecutive rows, a fall being a new baseline (register_decrease), never negative use.</summary>
    private const long ExpectedUsageMl = 152_000;

    private static object Mapping(string csv, long? firstSeq = null) => new
    {
        csv,
        delimiter = ";",
        timeColumn = "V2",
        timeFormat = "dd/MM/yyyy HH:mm:ss",
        timeZone = "Europe/Madrid",
        unit = "L",
        channels = new Dictionary<string, string> { ["main"] = "V3" },
        firstSeq,
    };

    private static long RisesInLitres(string[] lines)
    {
        long total = 0;
        long? previous = null;
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var register = long.Parse(line.Split(';')[2]);
            if (previous is { } p && register > p) total += register - p;
            previous = register;
        }
        return total * 1000;
    }

    [Fact]
    public async Task Import_CountsOnce_RefusesBadRowsByLine_AndTheExportsAgreeWithTheLedger()
    {
        var csv = await File.ReadAllTextAsync(DaiadFile);
        Assert.Equal(ExpectedUsageMl, RisesInLitres(csv.Split('\n')));
        using var tech = await gw.SignInAsync("tech");
        using (var r = await tech.PostAsJsonAsync("api/v1/meters", new { id = "w-h02", community = "demo", resource = "water" })) Assert.True(r.IsSuccessStatusCode);

        // A bad file: an hour Madrid skipped, a decimal comma, a short row. Nothing of it is imported.
        var lines = csv.Split('\n');
        var bad = string.Join('\n', lines[0], lines[1], lines[2].Replace("13/03/2017 01:", "26/03/2017 02:"), lines[3].Replace(";261742;", ";261742,5;"), "219ffd09;13/03/2017 05:00:00", lines[5]);
        using (var r = await tech.PostAsJsonAsync("api/v1/meters/w-h02/import", Mapping(bad)))
        {
            Assert.Contains("3 bad line(s); nothing was imported", await ApiAssert.ProblemAsync(r, HttpStatusCode.BadRequest));
        }
        using (var r = await tech.PostAsJsonAsync("api/v1/meters/w-h02/import", Mapping(bad)))
        {
            var errors = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Equal(3, errors.Count);
            Assert.StartsWith("line 3: 26/03/2017 02:", errors[0]);
            Assert.Contains("does not exist in Europe/Madrid", errors[0]);
            Assert.StartsWith("line 4: column 'V3': '261742,5' is not a number", errors[1]);
            Assert.StartsWith("line 5: 2 cells where the header has 4", errors[2]);
        }
        Assert.Equal(0, await LastSeqAsync(tech, "w-h02"));

        // The real file: 24 readings, the two falls flagged, the rises counted.
        var first = await ApiAssert.OkJsonAsync(await tech.PostAsJsonAsync("api/v1/meters/w-h02/import", Mapping(csv, 1)));
        Assert.Equal(24, first.GetProperty("committed").GetInt32());
        Assert.Equal(0, first.GetProperty("duplicates").GetInt32());
        Assert.Equal(2, first.GetProperty("flags").GetProperty("register_decrease").GetInt32());
        Assert.Equal("2017-03-12T23:09:52+00:00", first.GetProperty("from").GetString());
        // Again: every (meter, seq) is held already, nothing is counted twice.
        var again = await ApiAssert.OkJsonAsync(await tech.PostAsJsonAsync("api/v1/meters/w-h02/import", Mapping(csv, 1)));
        Assert.Equal(0, again.GetProperty("committed").GetInt32());
        Assert.Equal(24, again.GetProperty("duplicates").GetInt32());
        Assert.Equal(24, await LastSeqAsync(tech, "w-h02"));

        // The household's member exports exactly what the ledger holds: litres as mL, UTC and local times.
        using var member = await gw.SignInAsync("member-h02");
        var readings = (await member.GetStringAsync("api/v1/households/h02/export.csv?what=readings&from=2017-03-12&to=2017-03-13")).TrimEnd('\n').Split('\n');
        Assert.Equal("meter,seq,channel,device_time_utc,device_time_local,received_utc,register,usage,unit,flag", readings[0]);
        Assert.Equal(25, readings.Length);
        Assert.StartsWith("w-h02,1,main,2017-03-12T23:09:52Z,2017-03-12T23:09:52+00:00,", readings[1]);
        Assert.EndsWith(",261735000,0,mL,", readings[1]);
        Assert.Equal(ExpectedUsageMl, readings.Skip(1).Sum(l => long.Parse(l.Split(',')[7])));
        Assert.Equal(2, readings.Count(l => l.EndsWith(",register_decrease", StringComparison.Ordinal)));
        var hourly = (await member.GetStringAsync("api/v1/households/h02/export.csv?from=2017-03-12&to=2017-03-13")).TrimEnd('\n').Split('\n');
        Assert.Equal("hour_start_utc,hour_start_local,meter,channel,resource,unit,used", hourly[0]);
        Assert.Equal(ExpectedUsageMl, hourly.Skip(1).Sum(l => long.Parse(l.Split(',')[6])));

        // The council's report: the community per day, no household apart.
        using var council = await gw.SignInAsync("amina");
        using (var r = await council.GetAsync("api/v1/community/export.csv?from=2017-03-12&to=2017-03-13"))
        {
            Assert.Equal("text/csv", r.Content.Headers.ContentType?.MediaType);
            Assert.Contains("demo-daily-2017-03-12-2017-03-13.csv", r.Content.Headers.ContentDisposition?.ToString());
            var rows = (await r.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
            Assert.Equal("day_local,day_start_utc,resource,unit,used,period,limit_per_period", rows[0]);
            var water = rows.Where(l => l.Contains(",water,", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, water.Count);
            Assert.Equal(ExpectedUsageMl, water.Sum(l => long.Parse(l.Split(',')[4])));
            Assert.EndsWith(",day,1500000", water[0]);
        }

        // Roles: household data stays its member's; the community report is not a member's.
        using (var r = await council.GetAsync("api/v1/households/h02/export.csv")) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var r = await tech.GetAsync("api/v1/households/h02/export.csv")) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var r = await member.GetAsync("api/v1/community/export.csv")) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var r = await member.PostAsJsonAsync("api/v1/meters/w-h02/import", Mapping(csv))) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (var r = await member.GetAsync("api/v1/households/h02/export.csv?what=everything"))
            Assert.Contains("'what' must be usage", await ApiAssert.ProblemAsync(r, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Import_NamesABadMapping()
    {
        using var tech = await gw.SignInAsync("tech");
        using (var r = await tech.PostAsJsonAsync("api/v1/meters", new { id = "w-h01", community = "demo", resource = "water" })) Assert.True(r.IsSuccessStatusCode);
        var csv = "time,register\n2026-01-01T00:00:00Z,1.5\n";
        async Task<string> Refusal(object body)
        {
            using var r = await tech.PostAsJsonAsync("api/v1/meters/w-h01/import", body);
            return await ApiAssert.ProblemAsync(r, HttpStatusCode.BadRequest);
        }
        Assert.Contains("'unit' must be a unit of water: mL, L, m3", await Refusal(new { csv, timeColumn = "time", unit = "kWh", channels = new { main = "register" } }));
        Assert.Contains("No column 'when' for the time", string.Join(' ', await ErrorsAsync(tech, new { csv, timeColumn = "when", unit = "L", channels = new { main = "register" } })));
        Assert.Contains("'timeZone' must be an offset", await Refusal(new { csv, timeColumn = "time", unit = "L", timeZone = "Mars/Olympus", channels = new { main = "register" } }));
        // 1.5 L is 1500 mL exactly; 1.2345 L is not a whole number of mL and is never rounded.
        Assert.Contains("line 2: column 'register': 1.2345 is not a whole number",
            string.Join(' ', await ErrorsAsync(tech, new { csv = csv.Replace("1.5", "1.2345"), timeColumn = "time", unit = "L", channels = new { main = "register" } })));
        var tomorrow = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("line 3: ", string.Join(' ', await ErrorsAsync(tech, new { csv = csv + tomorrow + ",2\n", timeColumn = "time", unit = "L", channels = new { main = "register" } })));
        Assert.Contains("is in the future", string.Join(' ', await ErrorsAsync(tech, new { csv = csv + tomorrow + ",2\n", timeColumn = "time", unit = "L", channels = new { main = "register" } })));
        var ok = await ApiAssert.OkJsonAsync(await tech.PostAsJsonAsync("api/v1/meters/w-h01/import", new { csv, timeColumn = "time", unit = "L", channels = new { main = "register" } }));
        Assert.Equal(1, ok.GetProperty("committed").GetInt32());
        using (var r = await tech.PostAsJsonAsync("api/v1/meters/nope/import", new { csv, timeColumn = "time", unit = "L", channels = new { main = "register" } }))
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    private static async Task<List<string>> ErrorsAsync(HttpClient http, object body)
    {
        using var r = await http.PostAsJsonAsync("api/v1/meters/w-h01/import", body);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        return [.. (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)];
    }

    private static async Task<long> LastSeqAsync(HttpClient tech, string meter) =>
        (await tech.GetFromJsonAsync<JsonElement>("api/v1/meters")).EnumerateArray().Single(m => m.GetProperty("id").GetString() == meter).GetProperty("lastSeq").GetInt64();
}
