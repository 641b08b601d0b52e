using System.CommandLine;
using System.Text.Json;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary><c>commands</c>: device commands, which only the northbound API sends, with the application's own credentials.</summary>
internal static class CommandCommands
{
    private static readonly string[] Final = ["SUCCESSFUL", "FAILED", "TIMEOUT", "CANCELED", "EXPIRED"];

    private static readonly (string, string)[] Columns =
    [
        ("command id", "commandId"), ("device", "deviceId"), ("service", "command.serviceId"), ("method", "command.method"),
        ("status", "status"), ("created", "creationTime"),
    ];

    public static Command Build(CommandFactory cli)
    {
        var app = App();
        var secret = AppSecret();
        var device = Argument("DEVICE", "The device ID.");
        var service = Option<string>("--service", "The command's service ID.", required: true);
        var method = Option<string>("--method", "The command's name.", required: true);
        var paras = Option<string?>("--paras", "The command's parameters as a JSON object, e.g. '{\"level\": 3}'.");
        var expire = Option<int?>("--expire", "Seconds the command may wait for the device (0: send now or fail).");
        var deviceFilter = Option<string?>("--device", "Only this device's commands.");
        var commandId = Argument("COMMAND_ID", "The command ID that `commands send` showed.");
        return CommandFactory.Group("commands", "Device commands (northbound API, with the application's ID and secret).",
            cli.Command("send", "Sends a command to a device.", async (run, cancellationToken) =>
            {
                JsonElement? parameters = null;
                if (run.Value(paras) is { } text)
                {
                    try
                    {
                        parameters = JsonDocument.Parse(text).RootElement.Clone();
                    }
                    catch (JsonException e)
                    {
                        throw new CliException(ExitCodes.Usage, $"--paras is not JSON: {e.Message}");
                    }
                }
                using var na = await NorthboundApi.LoginAsync(run, run.Value(app), run.Value(secret), cancellationToken);
                var command = (await na.SendAsync(HttpMethod.Post, "cmd/v1.4.0/deviceCommands", new
                {
                    deviceId = run.Value(device),
                    command = new { serviceId = run.Value(service), method = run.Value(method), paras = parameters },
                    expireTime = run.Value(expire),
                }, cancellationToken))!.Value;
                run.Show(command, Columns);
                return ExitCodes.Ok;
            }, app, secret, device, service, method, paras, expire),
            cli.Command("list", "Lists the application's commands, newest first.", async (run, cancellationToken) =>
            {
                using var na = await NorthboundApi.LoginAsync(run, run.Value(app), run.Value(secret), cancellationToken);
                run.Show(JsonSerializer.SerializeToElement(await ListAsync(na, run.Value(deviceFilter), cancellationToken)), Columns);
                return ExitCodes.Ok;
            }, app, secret, deviceFilter),
            cli.Command("watch", "Shows a command's status as it changes, until it is final.", async (run, cancellationToken) =>
            {
                using var na = await NorthboundApi.LoginAsync(run, run.Value(app), run.Value(secret), cancellationToken);
                string? last = null;
                while (true)
                {
                    var command = (await ListAsync(na, null, cancellationToken)).FirstOrDefault(c => c.String("commandId") == run.Value(commandId));
                    if (command.ValueKind == JsonValueKind.Undefined)
                    {
                        throw new CliException(ExitCodes.Refused, $"There is no command {run.Value(commandId)} in application {run.Value(app)}.");
                    }
                    var status = command.String("status");
                    if (status != last)
                    {
                        if (run.Json)
                        {
                            await run.Console.Out.WriteLineAsync(JsonSerializer.Serialize(command));
                        }
                        else
                        {
                            await run.Console.Out.WriteLineAsync($"{DateTimeOffset.UtcNow:HH:mm:ss} {status}");
                        }
                        last = status;
                    }
                    if (Final.Contains(status))
                    {
                        return status == "SUCCESSFUL" ? ExitCodes.Ok : ExitCodes.Refused;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }, app, secret, commandId));
    }

    public static Option<string?> AppSecret() =>
        Option<string?>("--app-secret", "The application secret (kept in the profile once given; `apps create` and `apps reset-secret` keep theirs).");

    private static async Task<List<JsonElement>> ListAsync(NorthboundApi na, string? device, CancellationToken cancellationToken)
    {
        var items = new List<JsonElement>();
        for (var page = 0; ; page++)
        {
            var query = $"cmd/v1.4.0/deviceCommands?pageNo={page}&pageSize=100" + (device is null ? "" : $"&deviceId={Uri.EscapeDataString(device)}");
            var answer = (await na.SendAsync(HttpMethod.Get, query, null, cancellationToken))!.Value;
            var data = answer.GetProperty("data");
            items.AddRange(data.EnumerateArray());
            if (data.GetArrayLength() == 0 || items.Count >= answer.GetProperty("pagination").GetProperty("totalSize").GetInt32())
            {
                return items;
            }
        }
    }
}
