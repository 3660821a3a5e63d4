using System.Text.Json;

namespace Commons.Metering.Gateway.Tests;

/// <summary>The golden vectors of wire contract v1 (tests/vectors/v1, copied to vectors/ beside the
/// test assembly by the csproj).</summary>
internal static class Vectors
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "vectors", "v1");

    public static JsonElement Index { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "vectors.json"))).RootElement;

    public static byte[] Bytes(string file) => File.ReadAllBytes(Path.Combine(Root, file));

    public static IEnumerable<JsonElement> Valid(params string[] types) =>
        Index.GetProperty("valid").EnumerateArray().Where(v => types.Contains(v.GetProperty("type").GetString()));

    public static IEnumerable<JsonElement> Invalid(params string[] types) =>
        Index.GetProperty("invalid").EnumerateArray().Where(v => types.Contains(v.GetProperty("type").GetString()));

    public static TheoryData<string> Files(IEnumerable<JsonElement> entries)
    {
        var data = new TheoryData<string>();
        foreach (var e in entries) data.Add(e.GetProperty("file").GetString()!);
        return data;
    }

    public static JsonElement Entry(string file) =>
        Index.GetProperty("valid").EnumerateArray().Concat(Index.GetProperty("invalid").EnumerateArray())
            .Single(e => e.GetProperty("file").GetString() == file);
}
