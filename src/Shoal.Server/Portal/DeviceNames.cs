using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Shoal.Storage;

namespace Shoal.Server.Portal;

/// <summary>
/// What the portal calls a device where a record holds only its ID: its name, else its node ID. A device deleted since
/// keeps showing its ID.
/// </summary>
internal sealed partial class DeviceNames(ShoalDb db)
{
    public static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    /// <summary>
    /// The names of those of <paramref name="deviceIds"/> that belong to <paramref name="applicationId"/>, or to any
    /// application when it is null (the operator's pages).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> OfAsync(string? applicationId, IEnumerable<string> deviceIds, CancellationToken cancellationToken)
    {
        var ids = deviceIds.Distinct().ToList();
        return ids.Count == 0
            ? None
            : await db.Devices.AsNoTracking().Where(d => (applicationId == null || d.ApplicationId == applicationId) && ids.Contains(d.Id))
                .ToDictionaryAsync(d => d.Id, d => d.Name ?? d.NodeId, cancellationToken);
    }

    /// <summary>The device IDs written in <paramref name="texts"/>, to look their names up.</summary>
    public static IEnumerable<string> IdsIn(IEnumerable<string?> texts) =>
        texts.SelectMany(t => t is null ? [] : Ids().Matches(t).Select(m => m.Value));

    /// <summary><paramref name="text"/> with each named device's ID followed by its name.</summary>
    public static string Named(string? text, IReadOnlyDictionary<string, string> names) =>
        text is null ? "" : Ids().Replace(text, m => names.TryGetValue(m.Value, out var name) ? $"{m.Value} ({name})" : m.Value);

    public static string Label(string deviceId, IReadOnlyDictionary<string, string> names) =>
        names.TryGetValue(deviceId, out var name) ? name : deviceId;

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Ids();
}
