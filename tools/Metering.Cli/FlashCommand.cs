using System.CommandLine;

namespace Commons.Metering.Cli;

/// <summary><c>flash</c>: nanoFramework firmware, the application and the configuration, through nanoff.</summary>
internal static class FlashCommand
{
    /// <summary>The firmware image for ESP32 boards with PSRAM, silicon revision 3 (nanoFramework's
    /// reference targets, docs.nanoframework.net "ESP32").</summary>
    public const string DefaultTarget = "ESP32_PSRAM_REV3";

    public static Command Create()
    {
        var port = new Option<string?>("--port") { Description = "Serial port of the device (COM5, /dev/ttyUSB0)" };
        var listPorts = new Option<bool>("--list-ports") { Description = "Only list the serial ports nanoff sees" };
        var target = new Option<string>("--target") { Description = "nanoFramework firmware target", DefaultValueFactory = _ => DefaultTarget };
        var image = new Option<string?>("--image") { Description = "The application's deployment image (.bin from the firmware build)" };
        var deployment = new Option<string?>("--deployment") { Description = "nanoff file-deployment description (deploy.json from `metering provision`)" };
        var skipFirmware = new Option<bool>("--skip-firmware") { Description = "Do not update the nanoFramework firmware" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the exact nanoff commands and run nothing" };
        var nanoffPath = new Option<string?>("--nanoff") { Description = "Path of nanoff (default: nanoff on PATH or in ~/.dotnet/tools)" };

        var command = new Command("flash", "Flashes a device with nanoff: checks the port is there, updates the nanoFramework firmware, deploys the application image and the configuration file to I:\\.");
        foreach (var o in new Option[] { port, listPorts, target, image, deployment, skipFirmware, dryRun, nanoffPath }) command.Add(o);
        command.SetAction(r =>
        {
            var dry = r.GetValue(dryRun);
            var located = Nanoff.Locate(r.GetValue(nanoffPath));
            if (located is null && !dry)
                return ProvisionCommand.Fail(ExitCodes.NanoffMissing, "nanoff not found: install it with `dotnet tool install -g nanoff` or pass --nanoff PATH");
            var nanoff = new Nanoff(located ?? r.GetValue(nanoffPath) ?? "nanoff");
            if (r.GetValue(listPorts))
            {
                if (dry) Console.WriteLine(nanoff.Format(["--listports"]));
                return dry ? ExitCodes.Ok : Step(nanoff, ["--listports"]);
            }

            var p = r.GetValue(port);
            if (string.IsNullOrWhiteSpace(p)) return ProvisionCommand.Fail(ExitCodes.Usage, "--port is required (find it with --list-ports)");
            foreach (var file in new[] { r.GetValue(image), r.GetValue(deployment) })
            {
                if (file is not null && !File.Exists(file)) return ProvisionCommand.Fail(ExitCodes.FileError, $"{file} does not exist");
            }
            var steps = Plan(p, r.GetValue(target)!, r.GetValue(skipFirmware), r.GetValue(image), r.GetValue(deployment));
            if (steps.Count == 0) return ProvisionCommand.Fail(ExitCodes.Usage, "nothing to do: give --image, --deployment, or leave out --skip-firmware");
            if (dry)
            {
                Console.WriteLine(nanoff.Format(["--listports"]));
                foreach (var (_, args) in steps) Console.WriteLine(nanoff.Format(args));
                return ExitCodes.Ok;
            }

            Progress.Step(1, steps.Count + 1, $"looking for the device on {p}");
            var (code, output) = nanoff.Capture(["--listports"]);
            if (code != 0) return ProvisionCommand.Fail(ExitCodes.NanoffFailed, $"`{nanoff.Format(["--listports"])}` exited with {code}");
            var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (!output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Any(t => t.Equals(p, comparison)))
                return ProvisionCommand.Fail(ExitCodes.DeviceMissing, $"no device on {p}: nanoff lists {(output.Trim().Length == 0 ? "no ports" : output.Trim().ReplaceLineEndings(", "))}. Check the USB cable, or hold BOOT while plugging in");
            for (var i = 0; i < steps.Count; i++)
            {
                Progress.Step(i + 2, steps.Count + 1, steps[i].What);
                var result = Step(nanoff, steps[i].Args);
                if (result != ExitCodes.Ok) return result;
            }
            Console.WriteLine($"device on {p} flashed");
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static List<(string What, string[] Args)> Plan(string port, string target, bool skipFirmware, string? image, string? deployment)
    {
        var steps = new List<(string, string[])>();
        if (!skipFirmware) steps.Add(($"updating the nanoFramework firmware ({target})", ["--update", "--target", target, "--serialport", port]));
        if (image is not null) steps.Add(("deploying the application", ["--nanodevice", "--deploy", "--serialport", port, "--image", Path.GetFullPath(image)]));
        if (deployment is not null) steps.Add(("deploying the configuration to I:\\", ["--nanodevice", "--serialport", port, "--filedeployment", Path.GetFullPath(deployment)]));
        return steps;
    }

    private static int Step(Nanoff nanoff, string[] args)
    {
        var code = nanoff.Run(args);
        return code == 0 ? ExitCodes.Ok : ProvisionCommand.Fail(ExitCodes.NanoffFailed, $"`{nanoff.Format(args)}` exited with {code} (nanoff's exit codes: nanoFirmwareFlasher ExitCodes.cs)");
    }
}
