using System.CommandLine;
using System.Text;
using System.Text.Json;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary><c>tail</c>: follows an application's live events (a server-sent event stream) until Ctrl+C.</summary>
internal static class TailCommand
{
    public static Command Build(CommandFactory cli)
    {
        var app = Argument("APP", "The application ID.");
        var device = Option<string?>("--device", "Only this device's events.");
        var types = Option<string?>("--types", "Comma-separated event types: report, message, event, status, command (default: all).");
        var count = Option<int?>("--count", "Stop after this many events (default: until Ctrl+C).");
        return cli.Command("tail", "Follows an application's live events: reports, messages, events, status changes and commands.", async (run, cancellationToken) =>
        {
            if (run.Value(count) is < 1)
            {
                throw new CliException(ExitCodes.Usage, "--count must be 1 or more events.");
            }
            var query = new List<string>();
            if (run.Value(device) is { } deviceId)
            {
                query.Add($"deviceId={Uri.EscapeDataString(deviceId)}");
            }
            if (run.Value(types) is { } kinds)
            {
                query.Add($"types={Uri.EscapeDataString(kinds)}");
            }
            using var api = run.Api();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/applications/{Uri.EscapeDataString(run.Value(app))}/live?{string.Join('&', query)}");
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await api.SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw await ServerErrors.FromAsync(response, cancellationToken);
            }
            run.Note($"Following {run.Value(app)}; Ctrl+C stops.");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
            var data = new StringBuilder();
            var seen = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(line.AsSpan(5).TrimStart(' '));
                }
                else if (line.Length == 0 && data.Length > 0)
                {
                    await WriteAsync(run, data.ToString());
                    data.Clear();
                    if (++seen == run.Value(count))
                    {
                        return ExitCodes.Ok;
                    }
                }
            }
            throw new CliException(ExitCodes.Unavailable, "The server closed the event stream.");
        }, app, device, types, count);
    }

    /// <summary>One line per event: the event's JSON for scripts, or time, type, device and data for people.</summary>
    private static async Task WriteAsync(Invocation run, string json)
    {
        JsonElement item;
        try
        {
            item = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException)
        {
            return;
        }
        if (run.Json)
        {
            await run.Console.Out.WriteLineAsync(JsonSerializer.Serialize(item));
            return;
        }
        var device = Invocation.Field(item, "deviceName") is { Length: > 0 } name ? $"{name} ({Invocation.Field(item, "deviceId")})" : Invocation.Field(item, "deviceId");
        var payload = item.TryGetProperty("data", out var data) ? data.GetRawText() : "";
        await run.Console.Out.WriteLineAsync($"{Invocation.Field(item, "time")}  {Invocation.Field(item, "type"),-7}  {device}  {payload}");
    }
}
