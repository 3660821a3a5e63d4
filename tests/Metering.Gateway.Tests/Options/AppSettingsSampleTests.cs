using Commons.Metering.Testing;
using System.Reflection;
using System.Text.Json;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Region;
using Commons.Metering.Gateway.Sinks;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Tests.Options;

/// <summary>gateway/Metering.Gateway/appsettings.sample.json lists every setting with its default:
/// no option class gains a setting the sample lacks, the sample names none that does not exist, and
/// each value is the default the code uses (Options/GatewayDefaults.cs and the options classes).</summary>
public sealed class AppSettingsSampleTests
{
    /// <summary>Each options class with the section it is bound from. GatewayOptions' Influx holds only
    /// the kind; the Sinks feature binds the whole section to InfluxOptions.</summary>
    private static readonly (string Section, Type Type)[] Bound =
    [
        (GatewayDefaults.Section, typeof(GatewayOptions)),
        (SinkConstants.SectionName, typeof(InfluxOptions)),
        (CommonsOptions.Section, typeof(CommonsOptions)),
        (AuthOptions.Section, typeof(AuthOptions)),
        (UpstreamOptions.Section, typeof(UpstreamOptions)),
        (Gateway.Cluster.ClusterOptions.Section, typeof(Gateway.Cluster.ClusterOptions)),
    ];

    private static IConfigurationRoot Sample()
    {
        var path = RepoPaths.Of("gateway", "Metering.Gateway", "appsettings.sample.json");
        Assert.True(File.Exists(path), $"{path} missing");
        return new ConfigurationBuilder().AddJsonFile(path).Build();
    }

    [Fact]
    public void Sample_NamesEverySetting_AndNoOther()
    {
        var expected = Bound.SelectMany(b => Settings(b.Type, b.Section)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var config = Sample();
        var sample = config.AsEnumerable().Select(kv => kv.Key)
            .Where(k => !config.GetSection(k).GetChildren().Any()) // leaves only, a JSON null included
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.Empty(expected.Except(sample, StringComparer.OrdinalIgnoreCase).Order());
        Assert.Empty(sample.Except(expected, StringComparer.OrdinalIgnoreCase).Order());
    }

    [Fact]
    public void Sample_GivesEachSettingItsDefault()
    {
        var sample = Sample();
        foreach (var (section, type) in Bound)
        {
            var bound = sample.GetSection(section).Get(type);
            Assert.NotNull(bound);
            Assert.Equal(Json(Activator.CreateInstance(type)!), Json(bound!));
        }
    }

    /// <summary>Keys of every settable property, nested options classes recursed into.</summary>
    private static IEnumerable<string> Settings(Type type, string prefix)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var key = prefix + ":" + p.Name;
            if (IsOptionsClass(p.PropertyType))
                foreach (var inner in Settings(p.PropertyType, key)) yield return inner;
            else
                yield return key;
        }
    }

    private static bool IsOptionsClass(Type t) =>
        t.IsClass && t != typeof(string) && t.Namespace?.StartsWith("Commons.Metering", StringComparison.Ordinal) == true;

    /// <summary>Settable values only, with a JSON null in the sample read as the empty string the
    /// configuration binder makes of it: "not set" either way.</summary>
    private static string Json(object options)
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Collect(options, "", values);
        return JsonSerializer.Serialize(values);
    }

    private static void Collect(object options, string prefix, SortedDictionary<string, string> values)
    {
        foreach (var p in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var value = p.GetValue(options);
            if (value is not null && IsOptionsClass(p.PropertyType)) Collect(value, prefix + p.Name + ":", values);
            else values[prefix + p.Name] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }
    }
}
