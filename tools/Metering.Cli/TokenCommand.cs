using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Commons.Metering.Cli;

/// <summary><c>metering token --name tech</c>: signs in to the gateway as that account and creates an API
/// token of its own (POST /api/v1/session, then POST /api/v1/accounts/{name}/tokens), printed alone on
/// stdout, so <c>export METERING_API_TOKEN=$(metering token --name tech)</c> works. A technician needs
/// no page for it: the dashboard's accounts page is the administrator's. The password comes from
/// METERING_PASSWORD or, when that is unset, from the first line of stdin, never from an argument
/// (arguments show in the process list and the shell history).</summary>
internal static class TokenCommand
{
    public const string PasswordVariable = "METERING_PASSWORD";

    public static Command Create()
    {
        var gateway = new Option<string>("--gateway") { Description = "The gateway's HTTP address", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var name = new Option<string>("--name") { Description = "The account to sign in as (its token acts with its role)", Required = true };
        var label = new Option<string>("--label") { Description = "What the token is for, shown beside it in the account's list", DefaultValueFactory = _ => "metering command line" };
        var days = new Option<int>("--days") { Description = "Days until the token expires, 1 to 365", DefaultValueFactory = _ => 90 };
        var command = new Command("token", $"Signs in (password from {PasswordVariable} or the first line of stdin) and prints a new API token of that account, " +
                                           $"for {GatewayClient.TokenVariable}.") { gateway, name, label, days };
        command.SetAction(async (r, cancel) =>
        {
            if (!Uri.TryCreate(r.GetValue(gateway), UriKind.Absolute, out var baseUrl)) return ProvisionCommand.Fail(ExitCodes.Usage, "--gateway must be an http(s) address");
            if (r.GetValue(days) is < 1 or > 365) return ProvisionCommand.Fail(ExitCodes.Usage, "--days must be 1 to 365");
            var password = Environment.GetEnvironmentVariable(PasswordVariable);
            if (string.IsNullOrEmpty(password))
            {
                if (!Console.IsInputRedirected) Console.Error.Write($"password of {r.GetValue(name)}: ");
                password = Console.IsInputRedirected ? Console.In.ReadLine() : ReadHidden();
            }
            if (string.IsNullOrEmpty(password)) return ProvisionCommand.Fail(ExitCodes.Usage, $"no password: set {PasswordVariable} or type it on stdin");
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
            try
            {
                using (var signIn = await http.PostAsJsonAsync("api/v1/session", new { name = r.GetValue(name), password }, cancel))
                    if (!signIn.IsSuccessStatusCode) return await Refused(signIn, "sign-in", cancel);
                using var created = await http.PostAsJsonAsync($"api/v1/accounts/{Uri.EscapeDataString(r.GetValue(name)!)}/tokens",
                    new { label = r.GetValue(label), days = r.GetValue(days) }, cancel);
                if (!created.IsSuccessStatusCode) return await Refused(created, "token", cancel);
                using var doc = JsonDocument.Parse(await created.Content.ReadAsStringAsync(cancel));
                Console.WriteLine(doc.RootElement.GetProperty("token").GetString());
                Console.Error.WriteLine($"a token of {r.GetValue(name)} for {r.GetValue(days)} days, shown once: keep it as {GatewayClient.TokenVariable}");
                return ExitCodes.Ok;
            }
            catch (HttpRequestException e)
            {
                return ProvisionCommand.Fail(ExitCodes.GatewayError, $"cannot reach the gateway at {baseUrl}: {e.Message}");
            }
        });
        return command;
    }

    private static async Task<int> Refused(HttpResponseMessage response, string step, CancellationToken cancel)
    {
        var body = await response.Content.ReadAsStringAsync(cancel);
        string? detail = null;
        try { detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(); } catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
        return ProvisionCommand.Fail(ExitCodes.GatewayError, $"{step} refused: {(int)response.StatusCode} {response.ReasonPhrase}: {detail ?? body}");
    }

    private static string ReadHidden()
    {
        var text = new System.Text.StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }
}
