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

/// <summary>One numeric property of one service, charted over the chosen range from the history's aggregate.</summary>
internal sealed record ChartSeries(string ServiceId, string Property)
{
    public string Key => $"{ServiceId}/{Property}";
}

/// <summary>Turns stored service data (JSON objects of properties) into what the device page shows.</summary>
internal static class DeviceCharts
{
    /// <summary>One series for each numeric property of the services' latest values, ordered by service and property.</summary>
    public static List<ChartSeries> Series(IEnumerable<DeviceServiceState> latest) =>
    [
        .. latest.SelectMany(state => Properties(state.Data)
                .Where(p => p.Value.ValueKind == JsonValueKind.Number)
                .Select(p => new ChartSeries(state.ServiceId, p.Name)))
            .OrderBy(s => s.ServiceId, StringComparer.Ordinal).ThenBy(s => s.Property, StringComparer.Ordinal),
    ];

    /// <summary>The properties of one service's data, in the order the device reported them.</summary>
    public static List<(string Name, JsonElement Value)> Properties(string data) =>
        StoredData.Read(data) is { ValueKind: JsonValueKind.Object } properties ? [.. properties.EnumerateObject().Select(p => (p.Name, p.Value))] : [];

    /// <summary>A property value as a person reads it: strings without quotes, everything else as JSON.</summary>
    public static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
