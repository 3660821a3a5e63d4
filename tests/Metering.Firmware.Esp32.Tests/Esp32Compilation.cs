using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Commons.Metering.Esp32.Tests;

/// <summary>Compiles the ESP32 application as its .nfproj says, with Roslyn: exactly its Compile
/// items and References, NANOFRAMEWORK_1_0 (the symbol the nanoFramework project system defines),
/// its LangVersion, against the nanoFramework mscorlib (nanoFramework.CoreLibrary from the package
/// feed, copied beside these tests) and the reference assembly of every other reference at the
/// version its HintPath names. What it proves and does not prove: README.md.</summary>
internal sealed class Esp32Compilation
{
    public const string CoreLibraryPackage = "nanoFramework.CoreLibrary";

    /// <summary>The symbol nanoFramework's project system defines for every nfproj.</summary>
    public const string NanoSymbol = "NANOFRAMEWORK_1_0";

    private Esp32Compilation(IReadOnlyList<string> problems, IReadOnlyList<ResolvedAssembly> resolved, CSharpCompilation compilation)
    {
        Problems = problems;
        Resolved = resolved;
        Compilation = compilation;
    }

    /// <summary>The compilation itself, for checks that need the semantic model.</summary>
    public CSharpCompilation Compilation { get; }

    /// <summary>Unresolvable references and compiler errors, each naming its file and line or its package.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The reference assemblies the compilation used (mscorlib included).</summary>
    public IReadOnlyList<ResolvedAssembly> Resolved { get; }

    /// <summary>The nanoFramework mscorlib copied beside the tests at build time.</summary>
    public static string MscorlibPath => Path.Combine(AppContext.BaseDirectory, CoreLibraryPackage, "mscorlib.dll");

    private static readonly Lazy<Esp32Compilation> Application =
        new(() => Run(NfProject.Load(RepoFiles.Nfproj), NanoRefs.Load()), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The ESP32 application compiled once per test run (a compile takes seconds).</summary>
    public static Esp32Compilation OfApplication() => Application.Value;

    public static Esp32Compilation Run(NfProject project, NanoRefs refs)
    {
        var problems = new List<string>();
        var resolved = new List<ResolvedAssembly>();
        foreach (NfReference reference in project.References)
        {
            ResolvedAssembly? assembly = ResolveReference(reference, refs, problems);
            if (assembly != null)
            {
                resolved.Add(assembly);
            }
        }

        var parse = new CSharpParseOptions(LanguageVersionOf(project, problems), DocumentationMode.Parse,
            SourceCodeKind.Regular, [NanoSymbol]);
        var trees = new List<SyntaxTree>();
        foreach (string file in project.CompileFiles())
        {
            string shown = Shown(project, file);
            if (!File.Exists(file))
            {
                problems.Add($"{shown}: listed as Compile in the .nfproj but the file does not exist");
                continue;
            }
            trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(file, Encoding.UTF8), parse, shown, Encoding.UTF8));
        }

        string assemblyName = project.Property("AssemblyName") ?? "Commons.Metering.Esp32";
        var kind = project.Property("OutputType") == "Exe" ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;
        var compilation = CSharpCompilation.Create(assemblyName, trees,
            resolved.Select(r => MetadataReference.CreateFromFile(r.Path)),
            new CSharpCompilationOptions(kind, optimizationLevel: OptimizationLevel.Release));
        using var pe = new MemoryStream();
        var emitted = compilation.Emit(pe);
        foreach (Diagnostic d in emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
                     .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
                     .ThenBy(d => d.Location.SourceSpan.Start))
        {
            problems.Add(Format(d));
        }
        return new Esp32Compilation(problems, resolved, compilation);
    }

    /// <summary>file:line: CSnnnn message, or the message alone for a reference-level error.</summary>
    private static string Format(Diagnostic d)
    {
        if (d.Location.IsInSource)
        {
            FileLinePositionSpan span = d.Location.GetLineSpan();
            return $"{span.Path}:{span.StartLinePosition.Line + 1}: {d.Id} {d.GetMessage()}";
        }
        return $"{d.Id} {d.GetMessage()}";
    }

    private static ResolvedAssembly? ResolveReference(NfReference reference, NanoRefs refs, List<string> problems)
    {
        var hint = reference.Parsed;
        if (!hint.Success)
        {
            problems.Add($"Reference {reference.Include}: HintPath '{reference.HintPath}' is not packages\\<id>.<version>\\lib\\<Assembly>.dll");
            return null;
        }
        string id = hint.Groups["id"].Value;
        string version = hint.Groups["version"].Value;
        string file = hint.Groups["file"].Value;
        if (id == CoreLibraryPackage)
        {
            string have = AssemblyVersion(MscorlibPath);
            if (!have.StartsWith(version + ".", StringComparison.Ordinal))
            {
                problems.Add($"Reference mscorlib: the .nfproj names {CoreLibraryPackage} {version}, the check has {have} " +
                    "(Directory.Packages.props pins the version the feed restores)");
            }
            return new ResolvedAssembly(file, version, "package", MscorlibPath);
        }
        ResolvedAssembly? found = refs.Resolve(file, version);
        if (found == null)
        {
            problems.Add($"Reference {reference.Include}: no reference assembly {file}.dll for {id} {version} " +
                $"(reference assemblies exist for {id}: {refs.VersionsOf(id)})");
        }
        return found;
    }

    private static LanguageVersion LanguageVersionOf(NfProject project, List<string> problems)
    {
        string? text = project.Property("LangVersion");
        if (text == null || !LanguageVersionFacts.TryParse(text, out LanguageVersion version))
        {
            problems.Add($".nfproj: LangVersion '{text}' missing or not a C# language version");
            return LanguageVersion.CSharp9;
        }
        return version;
    }

    private static string Shown(NfProject project, string file) =>
        Path.GetRelativePath(project.Folder, file).Replace('\\', '/');

    /// <summary>The assembly version written in a file's metadata.</summary>
    public static string AssemblyVersion(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        return pe.GetMetadataReader().GetAssemblyDefinition().Version.ToString();
    }

    /// <summary>The assemblies (name, version) an assembly was compiled against: what the
    /// nanoFramework runtime must find deployed beside it, or it stops at boot with a link failure.</summary>
    public static IReadOnlyList<(string Name, Version Version)> ReferencesOf(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        MetadataReader md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetAssemblyReference(h))
            .Select(r => (md.GetString(r.Name), r.Version)).ToList();
    }
}
