namespace Commons.Metering.Gateway.Policy;

/// <summary>Holds the policy in force. A new file is parsed and validated completely first; only a
/// valid one replaces the current policy, in one atomic swap of an immutable object. An invalid file
/// leaves the running policy in force and returns its errors. TryLoad/TryApply are for the first
/// policy (installation); later changes go through <see cref="PolicyChanges"/> and the council.</summary>
public sealed class PolicyStore
{
    private CommunityPolicy? _current;
    private string? _installedText;

    public CommunityPolicy Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("no policy loaded yet");

    public bool HasPolicy => Volatile.Read(ref _current) is not null;

    /// <summary>The text of the file TryLoad or TryApply put in force (what the council downloads to
    /// start a proposal from); a council-approved policy's text is kept by the commons runtime.</summary>
    public string? InstalledText => Volatile.Read(ref _installedText);

    public PolicyLoadResult TryLoad(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Apply(PolicyLoader.LoadFile(path), null); }
        return TryApply(text, Path.GetFileName(path));
    }

    public PolicyLoadResult TryApply(string yaml, string fileName) => Apply(PolicyLoader.Parse(yaml, fileName), yaml);

    /// <summary>Puts an already validated policy in force (council-approved changes, PolicyChanges).</summary>
    internal void Swap(CommunityPolicy policy) => Volatile.Write(ref _current, policy);

    private PolicyLoadResult Apply(PolicyLoadResult result, string? text)
    {
        if (result.Policy is { } p)
        {
            Volatile.Write(ref _installedText, text);
            Volatile.Write(ref _current, p);
        }
        return result;
    }
}
