using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary><c>devices</c>: an application's devices through the management API.</summary>
internal static class DeviceCommands
{
    private static readonly (string, string)[] Columns =
    [
        ("id", "id"), ("node id", "nodeId"), ("name", "name"), ("status", "status"), ("last seen", "lastSeenAt"),
    ];

    private static readonly (string, string)[] Details =
    [
        ("id", "id"), ("node id", "nodeId"), ("name", "name"), ("status", "status"), ("activated", "activated"),
        ("product", "productId"), ("manufacturer", "manufacturer"), ("model", "model"), ("type", "deviceType"),
        ("protocol", "protocolType"), ("location", "location"), ("description", "description"), ("gateway", "gatewayId"),
        ("created", "createdAt"), ("last seen", "lastSeenAt"),
    ];

    private static readonly string[] ResultFields = ["line", "nodeId", "deviceId", "secret", "error"];

    public static Command Build(CommandFactory cli)
    {
        var app = App();
        var device = Argument("DEVICE", "The device ID.");
        var nodeId = Argument("NODE_ID", "The device's node ID (its IMEI, MAC or serial number), unique in the application.");
        var name = Option<string?>("--name", "The device's name.");
        var psk = Option<string?>("--psk", "The device secret, 8 to 32 hexadecimal characters; by default Shoal makes one.");
        var timeout = Option<int?>("--timeout", "Seconds the device has to connect for the first time (0: no limit; default 180).");
        var product = Option<string?>("--product", "The product ID.");
        var file = new Argument<FileInfo>("FILE") { Description = "A CSV file with a header row: nodeId, and optionally name, verifyCode, timeout, psk, productId, manufacturer, model, deviceType, protocolType, location, description." };
        var results = Option<FileInfo?>("--results", "Also write each row's result (with the new secrets) to this CSV file.");
        return CommandFactory.Group("devices", "An application's devices.",
            cli.Command("list", "Lists the application's devices.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show(JsonSerializer.SerializeToElement(await api.ListAllAsync($"{Path(run.Value(app))}", cancellationToken)), Columns);
                return ExitCodes.Ok;
            }, app),
            cli.Command("register", "Registers a device and shows its ID and secret (once).", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                var registered = (await api.PostAsync(Path(run.Value(app)), new
                {
                    nodeId = run.Value(nodeId), name = run.Value(name), psk = run.Value(psk), timeout = run.Value(timeout), productId = run.Value(product),
                }, cancellationToken))!.Value;
                run.Show(registered, ("device id", "device.id"), ("node id", "device.nodeId"), ("name", "device.name"), ("secret", "secret"));
                return ExitCodes.Ok;
            }, app, nodeId, name, psk, timeout, product),
            cli.Command("show", "Shows one device.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                run.Show((await api.GetAsync(Path(run.Value(app), run.Value(device)), cancellationToken))!.Value, Details);
                return ExitCodes.Ok;
            }, app, device),
            cli.Command("delete", "Deletes a device and its data.", async (run, cancellationToken) =>
            {
                using var api = run.Api();
                await api.DeleteAsync(Path(run.Value(app), run.Value(device)), cancellationToken);
                run.Deleted(run.Value(device), $"device {run.Value(device)}");
                return ExitCodes.Ok;
            }, app, device),
            cli.Command("import", "Registers every device of a CSV file; shows each row's result.", (run, cancellationToken) =>
                ImportAsync(run, run.Value(app), run.Value(file), run.Value(results), cancellationToken), app, file, results));
    }

    public static string Path(string app, string? device = null) =>
        $"applications/{Uri.EscapeDataString(app)}/devices" + (device is null ? "" : $"/{Uri.EscapeDataString(device)}");

    private static async Task<int> ImportAsync(Invocation run, string app, FileInfo file, FileInfo? results, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new CliException(ExitCodes.Usage, $"There is no file {file.FullName}.");
        }
        var csv = await File.ReadAllTextAsync(file.FullName, cancellationToken);
        run.Note($"Importing the devices of {file.Name} into {app}...");
        using var api = run.Api();
        using var content = new StringContent(csv, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        var answer = (await api.PostAsync($"{Path(app)}/import", content, cancellationToken))!.Value;
        var outcome = answer.GetProperty("rows").EnumerateArray().ToList();
        if (results is not null)
        {
            await File.WriteAllLinesAsync(results.FullName,
                ["line,nodeId,deviceId,secret,error", .. outcome.Select(r => string.Join(',',
                    ResultFields.Select(f => Csv.Quote(Invocation.Field(r, f)))))],
                cancellationToken);
        }
        if (run.Json)
        {
            run.WriteJson(answer);
        }
        else
        {
            run.Table(["line", "node id", "device id", "secret", "error"], outcome.Select(r => new[]
            {
                Invocation.Field(r, "line"), Invocation.Field(r, "nodeId"), Invocation.Field(r, "deviceId"),
                Invocation.Field(r, "secret"), Invocation.Field(r, "error"),
            }));
        }
        var failed = answer.GetProperty("failed").GetInt32();
        run.Note($"{answer.GetProperty("registered").GetInt32()} registered, {failed} failed.");
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Refused;
    }
}

internal static class Csv
{
    /// <summary>A cell as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break.</summary>
    public static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{cell.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : cell;
}
