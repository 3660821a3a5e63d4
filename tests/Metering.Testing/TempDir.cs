namespace Commons.Metering.Testing;

/// <summary>A temporary directory removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "metering")
    {
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
