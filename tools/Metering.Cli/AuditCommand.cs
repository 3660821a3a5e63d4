using System.CommandLine;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Cli;

/// <summary><c>audit verify FILE</c>: checks the hash chain of the gateway's audit log (Policy/README.md,
/// "Audit record format") with the gateway's own <see cref="AuditLog.Verify"/> and names the first broken link.
/// Anyone with a copy of the file can run it; it needs no gateway.</summary>
internal static class AuditCommand
{
    /// <summary>Where the gateway keeps audit.log: its data folder, ./data when run from its folder
    /// (README.md), /var/lib/metering when installed (packaging/).</summary>
    internal static readonly string[] DefaultLocations = [Path.Combine("data", "audit.log"), "/var/lib/metering/audit.log"];

    public static Command Create()
    {
        var file = new Argument<string>("file")
        {
            Description = $"The audit log (default: {string.Join(" or ", DefaultLocations)}, the first that exists: the gateway's data folder from its own folder, or as installed by the Debian package)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => DefaultLocations.FirstOrDefault(File.Exists) ?? DefaultLocations[0],
        };
        var verify = new Command("verify", "Verifies the hash chain of an audit log and prints the first broken link: " +
                                           $"exit {ExitCodes.Ok} when intact, {ExitCodes.FileError} when broken or unreadable.") { file };
        verify.SetAction(r =>
        {
            var path = Path.GetFullPath(r.GetValue(file)!);
            if (!File.Exists(path))
                return ProvisionCommand.Fail(ExitCodes.FileError, $"no audit log at {path}" +
                    (r.GetResult(file) is { Tokens.Count: > 0 } ? "" : $" (nor at {string.Join(", ", DefaultLocations.Skip(1))}): give the file, e.g. metering audit verify /var/lib/metering/audit.log"));
            try
            {
                var result = AuditLog.Verify(path);
                if (result.Ok)
                {
                    Console.WriteLine($"ok: {result.Records} records, the chain is intact ({path})");
                    return ExitCodes.Ok;
                }
                Console.WriteLine($"BROKEN: {path}:{result.FirstBrokenLine} (seq {result.FirstBrokenSeq}): {result.Problem}");
                Console.WriteLine($"the {result.Records} records before line {result.FirstBrokenLine} are intact; nothing from that line on can be trusted");
                return ExitCodes.FileError;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return ProvisionCommand.Fail(ExitCodes.FileError, e.Message);
            }
        });
        return new Command("audit", "The policy audit log (hash-chained, append-only)") { verify };
    }
}
