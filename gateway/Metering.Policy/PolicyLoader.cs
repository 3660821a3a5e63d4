using System.Collections.Immutable;
using System.Globalization;
using Commons.Metering.Gateway.Domain;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Commons.Metering.Gateway.Policy;

/// <summary>Parses and validates a policy file completely before anything is built: the result is a
/// whole immutable <see cref="CommunityPolicy"/> or the list of every error found.</summary>
public static partial class PolicyLoader
{
    private const int MaxPersons = 1_000; // a household bigger than this is a data-entry mistake
    private static readonly Dictionary<string, Resource> ResourceNames =
        new() { ["water"] = Resource.Water, ["energy"] = Resource.Energy, ["forest"] = Resource.Forest };
    private static readonly Dictionary<string, UseClass> UseNames =
        new() { ["essential"] = UseClass.Essential, ["standard"] = UseClass.Standard, ["discretionary"] = UseClass.Discretionary };

    public static PolicyLoadResult LoadFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (IOException e) { return Fail(path, e.Message); }
        catch (UnauthorizedAccessException e) { return Fail(path, e.Message); }
        return Parse(text, Path.GetFileName(path));
    }

    public static PolicyLoadResult Parse(string yaml, string fileName)
    {
        var errors = new PolicyErrors(fileName);
        if (!YamlLimits.Check(yaml, errors)) return new(null, errors.ToImmutable());
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(yaml));
        try { stream.Load(parser); }
        catch (YamlException e)
        {
            errors.Add(e.Start, "(syntax)", e.InnerException?.Message ?? e.Message);
            return new(null, errors.ToImmutable());
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 16's scanner throws this (no mark) on some unclosed flow collections; the last
            // event it parsed is the best position we have.
            errors.Add(parser.Current?.End ?? Mark.Empty, "(syntax)", "malformed YAML after this point (an unclosed [ or { ?)");
            return new(null, errors.ToImmutable());
        }
        if (stream.Documents.Count != 1)
        {
            errors.Add(Mark.Empty, "(document)", "must hold exactly one YAML document");
            return new(null, errors.ToImmutable());
        }
        var root = YamlMapReader.From(stream.Documents[0].RootNode, "", errors);
        var policy = root is null ? null : ReadRoot(root, fileName);
        return errors.Count == 0 && policy is not null ? new(policy, []) : new(null, errors.ToImmutable());
    }

    private static PolicyLoadResult Fail(string file, string message) =>
        new(null, [new PolicyError(file, 0, 0, "(file)", message)]);

    private static CommunityPolicy? ReadRoot(YamlMapReader r, string fileName)
    {
        var version = r.Int("version", 0, int.MaxValue);
        if (version is { } v && v != PolicyDefaults.Version)
            r.Errors.Add(r.Get("version", false)!.Start, "version", $"is {v}; this gateway reads version {PolicyDefaults.Version}");
        var community = r.String("community");
        var offset = ReadUtcOffset(r);
        var council = ReadCouncil(r.Map("council"));
        var emergencyHours = r.Map("emergency", required: false) is { } em
            ? ReadEmergency(em) : PolicyDefaults.EmergencyMaxHours;
        var households = r.Seq("households").Select(h => ReadHousehold(h.Node, h.Path, r.Errors)).ToList();
        var shared = r.Seq("shared_meters", required: false, nonEmpty: false).Select(m => ReadSharedMeter(m.Node, m.Path, r.Errors)).ToList();
        var resources = ReadResources(r.Map("resources"));
        var zones = r.Seq("zones", required: false, nonEmpty: false).Select(z => ReadZone(z.Node, z.Path, r.Errors)).ToList();
        r.RejectUnknownKeys();

        // Cross-section checks run on whatever parsed, so one pass reports as much as it can.
        var policy = new CommunityPolicy(version ?? 0, community ?? "", fileName, council ?? new Council(0, []), offset,
            TimeSpan.FromHours(emergencyHours ?? PolicyDefaults.EmergencyMaxHours),
            [.. households.OfType<Household>()], [.. shared.OfType<SharedMeter>()],
            resources.ToImmutableDictionary(), [.. zones.OfType<Zone>()]);
        CheckCrossReferences(r.Errors, policy);
        return r.Errors.Count == 0 ? policy : null;
    }

    private static TimeSpan ReadUtcOffset(YamlMapReader r)
    {
        var n = r.Get("utc_offset", required: false);
        if (n is null) return TimeSpan.Zero;
        var s = (n as YamlScalarNode)?.Value ?? "";
        var sign = s.StartsWith('-') ? -1 : 1;
        if (s.Length == 6 && s[0] is '+' or '-' && TimeSpan.TryParseExact(s[1..], @"hh\:mm", CultureInfo.InvariantCulture, out var t)
            && t <= TimeSpan.FromHours(14)) // UTC offsets in use span -12:00 to +14:00 (IANA tz database)
            return sign * t;
        r.Errors.Add(n.Start, "utc_offset", $"must look like +03:00 or -05:30, got '{s}'");
        return TimeSpan.Zero;
    }

    private static Council? ReadCouncil(YamlMapReader? r)
    {
        if (r is null) return null;
        var k = r.Int("k", 1, 1_000);
        var members = r.Seq("members").Select(m => (Id: Scalar(m.Node, m.Path, r.Errors), m.Node)).ToList();
        r.RejectUnknownKeys();
        CheckUnique(r, "members", members);
        var ids = members.Select(m => m.Id).OfType<string>().ToList();
        if (k is { } kv && kv > ids.Count && ids.Count > 0)
            r.Errors.Add(r.Get("k", false)!.Start, r.Field("k"), $"is {kv} but the council has only {ids.Count} members (k must be <= n)");
        return k is null ? null : new Council(k.Value, [.. ids]);
    }

    private static int? ReadEmergency(YamlMapReader r)
    {
        var hours = r.Int("max_duration_hours", 1, 24 * 366);
        r.RejectUnknownKeys();
        return hours;
    }

    private static Household? ReadHousehold(YamlNode node, string path, PolicyErrors errors)
    {
        var r = YamlMapReader.From(node, path, errors);
        if (r is null) return null;
        var id = r.String("id");
        var persons = r.Int("persons", 1, MaxPersons);
        var meters = r.Seq("meters").Select(m => ReadMeter(m.Node, m.Path, errors)).ToList();
        r.RejectUnknownKeys();
        return id is null ? null : errors.Remember(new Household(id, persons ?? 1, [.. meters.OfType<Meter>()]), r);
    }

    private static Meter? ReadMeter(YamlNode node, string path, PolicyErrors errors)
    {
        var r = YamlMapReader.From(node, path, errors);
        if (r is null) return null;
        var id = r.String("id");
        var resource = r.Enum("resource", ResourceNames);
        var channels = new List<Channel>();
        var ids = new List<(string?, YamlNode)>();
        foreach (var (c, cpath) in r.Seq("channels"))
        {
            var cr = YamlMapReader.From(c, cpath, errors);
            if (cr is null) continue;
            var cid = cr.String("id");
            var use = cr.Enum("use", UseNames);
            cr.RejectUnknownKeys();
            ids.Add((cid, c));
            if (cid is not null && use is not null) channels.Add(new Channel(cid, use.Value));
        }
        r.RejectUnknownKeys();
        CheckUnique(r, "channels", ids);
        return id is null || resource is null ? null : errors.Remember(new Meter(id, resource.Value, [.. channels]), r);
    }

    private static SharedMeter? ReadSharedMeter(YamlNode node, string path, PolicyErrors errors)
    {
        var r = YamlMapReader.From(node, path, errors);
        if (r is null) return null;
        var id = r.String("id");
        var resource = r.Enum("resource", ResourceNames);
        var channels = r.Seq("channels").Select(c => Scalar(c.Node, c.Path, errors)).OfType<string>().ToList();
        r.RejectUnknownKeys();
        return id is null || resource is null ? null : errors.Remember(new SharedMeter(id, resource.Value, [.. channels]), r);
    }

    private static string? Scalar(YamlNode n, string path, PolicyErrors errors)
    {
        if (n is YamlScalarNode { Value: { Length: > 0 } v }) return v;
        errors.Add(n.Start, path, "must be a non-empty text value");
        return null;
    }

    /// <summary>Reports each repeated id at its second occurrence.</summary>
    private static void CheckUnique(YamlMapReader r, string key, IReadOnlyList<(string? Id, YamlNode Node)> items)
    {
        foreach (var dup in items.Where(i => i.Id is not null).GroupBy(i => i.Id).Where(g => g.Count() > 1))
            r.Errors.Add(dup.ElementAt(1).Node.Start, r.Field(key), $"'{dup.Key}' appears {dup.Count()} times; ids must be unique");
    }
}
