using System.Text.Json;

namespace Commons.Metering.Tests;

/// <summary>The golden vectors of wire contract v1 (tests/vectors/v1, copied next to the tests).</summary>
public static class Vectors
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "vectors", "v1");

    public static JsonElement Index { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "vectors.json"))).RootElement;

    public static byte[] Bytes(string file) => File.ReadAllBytes(Path.Combine(Root, file));

    public static IEnumerable<JsonElement> Valid(string type) =>
        Index.GetProperty("valid").EnumerateArray().Where(v => v.GetProperty("type").GetString() == type);

    public static IEnumerable<JsonElement> Invalid(string type) =>
        Index.GetProperty("invalid").EnumerateArray().Where(v => v.GetProperty("type").GetString() == type);

    public static TheoryData<string> Files(IEnumerable<JsonElement> entries)
    {
        var data = new TheoryData<string>();
        foreach (var e in entries)
        {
            data.Add(e.GetProperty("file").GetString()!);
        }
        return data;
    }

    public static JsonElement Entry(string file) =>
        Index.GetProperty("valid").EnumerateArray().Concat(Index.GetProperty("invalid").EnumerateArray())
            .Single(v => v.GetProperty("file").GetString() == file);
}
