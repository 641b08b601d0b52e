using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary><c>history</c>: a device's stored reports in a time range, every page of them, as a table, CSV or JSON.</summary>
internal static class HistoryCommand
{
    public static Command Build(CommandFactory cli)
    {
        var app = App();
        var device = Argument("DEVICE", "The device ID.");
        var from = Option<DateTimeOffset?>("--from", "Start of the range, ISO 8601 (e.g. 2026-12-01T00:00:00Z).");
        var to = Option<DateTimeOffset?>("--to", "End of the range, ISO 8601.");
        var service = Option<string?>("--service", "Only this service's reports.");
        var format = Option<string?>("--format", "csv or json (default: a table; --json means json).");
        format.AcceptOnlyFromAmong("csv", "json", "table");
        return cli.Command("history", "A device's reported properties over a time range, oldest first.", async (run, cancellationToken) =>
        {
            using var api = run.Api();
            var query = new List<string>();
            if (run.Value(from) is { } start)
            {
                query.Add($"from={Uri.EscapeDataString(start.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture))}");
            }
            if (run.Value(to) is { } end)
            {
                query.Add($"to={Uri.EscapeDataString(end.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture))}");
            }
            if (run.Value(service) is { } serviceId)
            {
                query.Add($"serviceId={Uri.EscapeDataString(serviceId)}");
            }
            var path = $"{DeviceCommands.Path(run.Value(app), run.Value(device))}/history?{string.Join('&', query)}";
            var points = await api.ListAllAsync(path, cancellationToken);
            points.Reverse();
            switch (run.Value(format) ?? (run.Json ? "json" : "table"))
            {
                case "json":
                    run.WriteJson(points);
                    break;
                case "csv":
                    await run.Console.Out.WriteLineAsync("eventTime,serviceId,property,value");
                    foreach (var (time, serviceName, property, value) in Rows(points))
                    {
                        await run.Console.Out.WriteLineAsync(string.Join(',', new[] { time, serviceName, property, value }.Select(Csv.Quote)));
                    }
                    break;
                default:
                    run.Table(["time", "service", "property", "value"], Rows(points).Select(r => new[] { r.Time, r.Service, r.Property, r.Value }));
                    break;
            }
            return ExitCodes.Ok;
        }, app, device, from, to, service, format);
    }

    /// <summary>One row per reported property, so that a spreadsheet reads each value in its own cell.</summary>
    private static IEnumerable<(string Time, string Service, string Property, string Value)> Rows(List<JsonElement> points)
    {
        foreach (var point in points)
        {
            var time = Invocation.Field(point, "eventTime");
            var serviceId = Invocation.Field(point, "serviceId");
            var data = point.GetProperty("data");
            if (data.ValueKind != JsonValueKind.Object)
            {
                yield return (time, serviceId, "", data.GetRawText());
                continue;
            }
            foreach (var property in data.EnumerateObject())
            {
                yield return (time, serviceId, property.Name, property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText());
            }
        }
    }
}
