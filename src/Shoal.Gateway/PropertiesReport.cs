using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Shoal.Gateway;

/// <summary>Reads <c>{"services":[{"service_id","properties":{...},"event_time"?}]}</c> as the reference platform's devices send it.</summary>
internal static class PropertiesReport
{
    public const string EventTimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>The forms a device may write <c>event_time</c> in: the compact one, and ISO 8601 in UTC with or without a fraction.</summary>
    private static readonly string[] EventTimeFormats = [EventTimeFormat, "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"];
    public const int MaxServiceIdLength = 64;

    /// <summary>
    /// The reported services, or null when the payload is not such a report or has more than <paramref name="maxServices"/>.
    /// An event time further ahead than <paramref name="clockTolerance"/> is taken as the receive time: a device with a
    /// wrong clock must not write a value that stays "latest" for years and never leaves the history.
    /// </summary>
    public static IReadOnlyList<ReportedService>? Parse(ReadOnlySequence<byte> payload, DateTimeOffset receivedAt, int maxServices, TimeSpan clockTolerance)
    {
        using var document = DeviceJson.Parse(payload);
        return document is null ? null : ParseServices(document.RootElement, receivedAt, maxServices, clockTolerance);
    }

    /// <summary>The <c>services</c> of <paramref name="report"/>, an object that holds them, as <see cref="Parse"/> reads them.</summary>
    public static IReadOnlyList<ReportedService>? ParseServices(JsonElement report, DateTimeOffset receivedAt, int maxServices, TimeSpan clockTolerance)
    {
        if (report.ValueKind != JsonValueKind.Object
            || !report.TryGetProperty("services", out var services)
            || services.ValueKind != JsonValueKind.Array || services.GetArrayLength() is 0 || services.GetArrayLength() > maxServices)
        {
            return null;
        }
        var reported = new List<ReportedService>(services.GetArrayLength());
        foreach (var service in services.EnumerateArray())
        {
            if (service.ValueKind != JsonValueKind.Object
                || !service.TryGetProperty("service_id", out var id) || id.ValueKind != JsonValueKind.String
                || id.GetString() is not { Length: > 0 and <= MaxServiceIdLength } serviceId
                || !service.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            // A missing or unreadable time is the receive time, as on the reference platform: the data is never refused for it.
            var eventTime = receivedAt;
            if (service.TryGetProperty("event_time", out var time) && time.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParseExact(time.GetString(), EventTimeFormats, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var reportedTime))
            {
                eventTime = reportedTime;
            }
            if (eventTime > receivedAt + clockTolerance)
            {
                eventTime = receivedAt;
            }
            reported.Add(new ReportedService(
                serviceId, properties.GetRawText(), [.. properties.EnumerateObject().Select(p => p.Name)], eventTime));
        }
        return reported;
    }
}
