using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Shoal.Server.Audit;
using Shoal.Server.Common;
using Shoal.Storage;

namespace Shoal.Server.Devices;

/// <summary>One data row of an import file: the line it starts on and its values by column name.</summary>
internal sealed record ImportLine(int Line, IReadOnlyDictionary<string, string> Values)
{
    public string NodeId => Values.GetValueOrDefault("nodeId")?.Trim() ?? "";
}

/// <summary>What became of one row: the device and its secret (shown once), or why the row registered nothing.</summary>
public sealed record ImportRowResponse(int Line, string NodeId, string? DeviceId, string? Secret, string? Error);

public sealed record ImportResponse(int Registered, int Failed, IReadOnlyList<ImportRowResponse> Rows);

/// <summary>
/// Registers devices from CSV (RFC 4180, a header row of registration field names), each row through
/// <see cref="DeviceRegistry.RegisterAsync"/> so a row is checked exactly as a single registration is; a row registers
/// whole or not at all.
/// </summary>
internal sealed class DeviceImport(DeviceRegistry registry, ShoalDb db)
{
    public const int MaxRows = 10_000;
    public const int MaxBytes = 4 * 1024 * 1024;

    public static readonly string[] Columns =
        ["nodeId", "name", "verifyCode", "timeout", "psk", "productId", "manufacturer", "model", "deviceType", "protocolType", "location", "description"];

    /// <summary>Reads at most <see cref="MaxBytes"/> of UTF-8 text; null when the body is longer.</summary>
    public static async Task<string?> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimStart('\uFEFF');
    }

    /// <summary>The file's data rows, or why the file as a whole is refused (then nothing is registered).</summary>
    public static Outcome<IReadOnlyList<ImportLine>> Parse(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var records = new List<(int Line, List<string> Fields)>();
        if (!Csv.TryRead(csv, records, out var error))
        {
            return new Refused(StatusCodes.Status400BadRequest, "The file is not valid CSV.", error);
        }
        if (records.Count == 0)
        {
            return new Refused(StatusCodes.Status400BadRequest, "The file is empty.", "Give a header row of column names, then one row per device.");
        }
        var header = records[0].Fields.Select(f => f.Trim()).ToList();
        var names = new List<string>();
        foreach (var column in header)
        {
            var known = Columns.FirstOrDefault(c => c.Equals(column, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                return new Refused(StatusCodes.Status400BadRequest, $"Unknown column '{column}'.", $"The columns are {string.Join(", ", Columns)}.");
            }
            if (names.Contains(known))
            {
                return new Refused(StatusCodes.Status400BadRequest, $"The column '{known}' appears twice.");
            }
            names.Add(known);
        }
        if (!names.Contains("nodeId"))
        {
            return new Refused(StatusCodes.Status400BadRequest, "The column 'nodeId' is missing.", "The header row must name a nodeId column.");
        }
        if (records.Count - 1 > MaxRows)
        {
            return new Refused(StatusCodes.Status413PayloadTooLarge, $"The file has more than {MaxRows:N0} rows.", "Split it into smaller files.");
        }
        var lines = new List<ImportLine>();
        foreach (var (line, fields) in records.Skip(1))
        {
            if (fields.Count != names.Count)
            {
                return new Refused(StatusCodes.Status400BadRequest, "The file is not valid CSV.",
                    $"Line {line} has {fields.Count} fields; the header names {names.Count}.");
            }
            lines.Add(new ImportLine(line, names.Zip(fields).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal)));
        }
        return lines;
    }

    /// <summary>Registers each row in turn and tells what became of it as soon as it is done.</summary>
    public async IAsyncEnumerable<ImportRowResponse> RegisterAsync(
        string applicationId, IReadOnlyList<ImportLine> lines, Actor actor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var firstLines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var nodeId = line.NodeId;
            if (nodeId.Length > 0 && !firstLines.TryAdd(nodeId, line.Line))
            {
                yield return new(line.Line, nodeId, null, null, $"nodeId: this nodeId is already on line {firstLines[nodeId]} of the file.");
                continue;
            }
            yield return await RegisterAsync(applicationId, line, actor, cancellationToken);
        }
    }

    private async Task<ImportRowResponse> RegisterAsync(string applicationId, ImportLine line, Actor actor, CancellationToken cancellationToken)
    {
        var values = line.Values;
        var timeoutText = Value("timeout");
        int? timeout = null;
        if (timeoutText is not null)
        {
            if (!int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return new(line.Line, line.NodeId, null, null, "timeout: give a whole number of seconds, 0 or more (0: the registration never expires).");
            }
            timeout = seconds;
        }
        var info = new DeviceInfo(Value("name"), Value("manufacturer"), Value("model"), Value("deviceType"), Value("protocolType"), Value("location"), Value("description"));
        var outcome = await registry.RegisterAsync(
            applicationId, new DeviceRegistration(Value("nodeId"), Value("verifyCode"), timeout, Value("psk"), Value("productId"), info), actor, cancellationToken);
        // Each row is saved on its own; forgetting what was saved keeps a long file's saves as cheap as the first one's,
        // and a row refused by the database leaves nothing behind for the next.
        db.ChangeTracker.Clear();
        if (!outcome.Succeeded)
        {
            return new(line.Line, line.NodeId, null, null, Describe(outcome.Failure!.OnFields()));
        }
        var (device, secret) = outcome.Value!;
        return new(line.Line, device.NodeId, device.Id, secret, null);

        // An empty cell is a value not given, as an omitted field is in a single registration.
        string? Value(string column) => values.TryGetValue(column, out var value) && value.Trim().Length > 0 ? value.Trim() : null;
    }

    private static string Describe(Failure failure) => failure is InvalidInput invalid
        ? FailureResults.Summary(invalid.Errors)
        : failure.Detail is null ? failure.Title : $"{failure.Title} {failure.Detail}";
}
