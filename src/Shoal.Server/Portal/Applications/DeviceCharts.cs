using System.Text.Json;
using Shoal.Server.Devices;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

/// <summary>The time ranges the device page offers for its charts.</summary>
internal enum HistoryRange
{
    Hour,
    Day,
    Week,
    Custom,
}

/// <summary>One numeric property of one service over time, oldest first, in the shape the chart draws: Unix seconds and values.</summary>
internal sealed record ChartSeries(string ServiceId, string Property, List<double> Times, List<double> Values)
{
    public string Key => $"{ServiceId}/{Property}";
}

/// <summary>Turns stored service data (JSON objects of properties) into what the device page shows.</summary>
internal static class DeviceCharts
{
    /// <summary>One series for each numeric property found in <paramref name="newestFirst"/>, ordered by service and property.</summary>
    public static List<ChartSeries> Series(IEnumerable<DeviceDataPoint> newestFirst)
    {
        var series = new Dictionary<(string, string), ChartSeries>();
        foreach (var point in newestFirst.Reverse())
        {
            foreach (var (property, value) in Properties(point.Data))
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
                {
                    continue;
                }
                if (!series.TryGetValue((point.ServiceId, property), out var line))
                {
                    series[(point.ServiceId, property)] = line = new ChartSeries(point.ServiceId, property, [], []);
                }
                line.Times.Add(point.EventTime.ToUnixTimeMilliseconds() / 1000.0);
                line.Values.Add(number);
            }
        }
        return [.. series.Values.OrderBy(s => s.ServiceId, StringComparer.Ordinal).ThenBy(s => s.Property, StringComparer.Ordinal)];
    }

    /// <summary>The properties of one service's data, in the order the device reported them.</summary>
    public static List<(string Name, JsonElement Value)> Properties(string data) =>
        StoredData.Read(data) is { ValueKind: JsonValueKind.Object } properties ? [.. properties.EnumerateObject().Select(p => (p.Name, p.Value))] : [];

    /// <summary>A property value as a person reads it: strings without quotes, everything else as JSON.</summary>
    public static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
