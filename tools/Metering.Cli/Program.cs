using System.CommandLine;
using Commons.Metering.Cli;

// Commons Metering technicians' command line: provision, credentials, flash, calibrate, commission.
var root = new RootCommand("Commons Metering technicians' tool: provision devices and their broker credentials, flash them with nanoff, calibrate meters, and check a commissioned device end to end.")
{
    ProvisionCommand.Create(),
    BrokerCommand.Create(),
    FlashCommand.Create(),
    CalibrateCommand.Create(),
    CommissionCommand.Create(),
    AuditCommand.Create(),
    BackupCommand.CreateBackup(),
    BackupCommand.CreateRestore(),
    InfluxCommand.Create(),
    TokenCommand.Create(),
    SeqCommand.Create(),
    HeldCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
