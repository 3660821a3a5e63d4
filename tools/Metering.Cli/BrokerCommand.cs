using System.CommandLine;
using Commons.Metering.Gateway.BrokerAccounts;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Cli;

/// <summary><c>broker credentials</c>: the credentials file as mosquitto's password and ACL files.</summary>
internal static class BrokerCommand
{
    public const string PasswordFileName = "passwd";
    public const string AclFileName = "acl";
    public const string ConfFileName = "mosquitto-auth.conf";

    public static Command Create()
    {
        var registry = new Option<string>("--registry") { Description = "Credentials file written by `metering provision`", DefaultValueFactory = _ => Path.Combine("data", CredentialsFile.FileName) };
        var output = new Option<string>("--out") { Description = "Folder for passwd, acl and mosquitto-auth.conf", DefaultValueFactory = _ => "mosquitto" };
        var gatewayUser = new Option<string?>("--gateway-user")
        {
            Description = "Also an account for the gateway (reads every uplink, writes every downlink); created with a new password, shown once, when the credentials file lacks it",
        };
        var iterations = new Option<int>("--hash-iterations") { Description = "PBKDF2 iterations for a new gateway account", DefaultValueFactory = _ => MosquittoPasswordHash.DefaultIterations };

        var credentials = new Command("credentials", "Exports the credentials file as a mosquitto 2 password_file (PBKDF2-SHA512, $7$) and acl_file: " +
                                                      "a device publishes only under commons/v1/{community}/{id}/up/# and reads only commons/v1/{community}/{id}/down/#.");
        foreach (var o in new Option[] { registry, output, gatewayUser, iterations }) credentials.Add(o);
        credentials.SetAction(r =>
        {
            var path = r.GetValue(registry)!;
            var gw = r.GetValue(gatewayUser);
            if (gw is not null && !WireIds.IsId(gw)) return ProvisionCommand.Fail(ExitCodes.Usage, "--gateway-user must match ^[a-z0-9][a-z0-9_-]{0,47}$");
            try
            {
                using var held = CredentialsFile.Lock(path);
                var accounts = CredentialsFile.Read(path).ToList();
                Progress.Step(1, 2, $"{accounts.Count} account(s) in {Path.GetFullPath(path)}");
                if (gw is not null && accounts.FirstOrDefault(a => a.User == gw) is { } existing && existing.Role != BrokerRole.Gateway)
                    return ProvisionCommand.Fail(ExitCodes.AlreadyProvisioned, $"'{gw}' is a device account, not the gateway's");
                if (gw is not null && accounts.All(a => a.User != gw))
                {
                    var password = Passwords.New();
                    accounts.Add(new BrokerAccount { User = gw, Role = BrokerRole.Gateway, PasswordHash = MosquittoPasswordHash.Hash(password, r.GetValue(iterations)) });
                    CredentialsFile.Write(path, accounts);
                    Console.WriteLine($"gateway account '{gw}' created; password (shown once; set Metering__Broker__Password): {password}");
                }
                var dir = Path.GetFullPath(r.GetValue(output)!);
                Directory.CreateDirectory(dir);
                var passwd = Path.Combine(dir, PasswordFileName);
                var acl = Path.Combine(dir, AclFileName);
                File.WriteAllText(passwd, MosquittoFiles.PasswordFile(accounts));
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(passwd, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.WriteAllText(acl, MosquittoFiles.AclFile(accounts));
                File.WriteAllText(Path.Combine(dir, ConfFileName), MosquittoFiles.ConfSnippet(passwd, acl));
                Progress.Step(2, 2, $"wrote {passwd}, {acl} and {Path.Combine(dir, ConfFileName)} (include it in mosquitto.conf; reload mosquitto with SIGHUP)");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                return ProvisionCommand.Fail(ExitCodes.FileError, e.Message);
            }
        });
        return new Command("broker", "Broker accounts and access rules") { credentials };
    }
}
