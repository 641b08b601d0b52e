using Microsoft.EntityFrameworkCore;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Devices;

/// <summary>What a device sent, read from the event log for as long as it keeps it: newest first, a page at a time.</summary>
internal static class DeviceMessages
{
    /// <summary>
    /// The page of <paramref name="types"/> older than <paramref name="before"/> (the newest when null), and the ID to ask
    /// the next older page with, null on the last one.
    /// </summary>
    public static async Task<(IReadOnlyList<DeviceEvent> Items, long? Before)> PageAsync(
        ShoalDb db, string applicationId, string deviceId, IReadOnlyCollection<DeviceEventType> types, long? before, int size,
        CancellationToken cancellationToken)
    {
        var events = db.DeviceEvents.AsNoTracking()
            .Where(e => e.ApplicationId == applicationId && e.DeviceId == deviceId && types.Contains(e.Type));
        if (before is { } olderThan)
        {
            events = events.Where(e => e.Id < olderThan);
        }
        var page = await events.OrderByDescending(e => e.Id).Take(size + 1).ToListAsync(cancellationToken);
        var items = page.Take(size).ToList();
        return (items, page.Count > size ? items[^1].Id : null);
    }
}
