using System.Globalization;

namespace Shoal.Server.Portal;

/// <summary>How the portal writes times and numbers: UTC, unambiguous, the same on every page.</summary>
internal static class Display
{
    public static string Time(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? value, string none = "—") => value is { } v ? Time(v) : none;

    public static string Date(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Iso(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>The value of a datetime-local input, which the portal reads and writes in UTC.</summary>
    public static string LocalInput(DateTime? utc) => utc?.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture) ?? "";
}
