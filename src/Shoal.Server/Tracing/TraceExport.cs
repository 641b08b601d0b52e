using System.Globalization;
using System.Text;
using System.Text.Json;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tracing;

/// <summary>Writes a trace's steps as CSV or JSON, one row or object per step, as they are read.</summary>
internal static class TraceExport
{
    private static readonly string[] Columns =
        ["serial", "deviceId", "step", "succeeded", "recordedAt", "detail", "reason", "hint", "topic", "size", "url", "statusCode", "latencyMs"];

    public static async Task WriteCsvAsync(Stream stream, IAsyncEnumerable<TraceRecord> steps, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        await writer.WriteLineAsync(string.Join(',', Columns).AsMemory(), cancellationToken);
        await foreach (var r in steps.WithCancellation(cancellationToken))
        {
            string?[] cells =
            [
                r.Serial, r.DeviceId, TraceMapping.Name(r.Step), r.Succeeded ? "true" : "false", r.RecordedAt.ToString("O", CultureInfo.InvariantCulture),
                r.Detail, r.Reason, r.Hint, r.Topic, Number(r.Size), r.Url, Number(r.StatusCode), Number(r.LatencyMs),
            ];
            await writer.WriteLineAsync(string.Join(',', cells.Select(Cell)).AsMemory(), cancellationToken);
        }
    }

    public static Task WriteJsonAsync(Stream stream, IAsyncEnumerable<TraceRecord> steps, JsonSerializerOptions options, CancellationToken cancellationToken) =>
        JsonSerializer.SerializeAsync(stream, steps.Select(r => r.ToResponse()), options, cancellationToken);

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    /// <summary>Quotes a cell when needed, and defuses one a spreadsheet would run as a formula.</summary>
    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
