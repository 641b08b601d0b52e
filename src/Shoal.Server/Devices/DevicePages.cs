using System.Globalization;
using Shoal.Storage;

namespace Shoal.Server.Devices;

/// <summary>
/// The pages of device IDs NAs list, kept until a device is registered in or deleted from the application, on any node.
/// Pages filtered by status are always read: a status changes with every connect.
/// </summary>
internal sealed class DevicePages(Changes changes, TimeProvider time)
{
    private readonly ChangeCache<(IReadOnlyList<string> DeviceIds, int TotalCount)> _pages =
        new ChangeCache<(IReadOnlyList<string> DeviceIds, int TotalCount)>(time, DeviceViews.Lifetime, capacity: 10_000).VoidedBy(changes, ChangeKind.DeviceList);

    public async ValueTask<(IReadOnlyList<string> DeviceIds, int TotalCount)> ListIdsAsync(
        DeviceRegistry registry, string applicationId, DeviceQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(query);
        if (query.Status is not null)
        {
            return await registry.ListIdsAsync(applicationId, query, cancellationToken);
        }
        var key = string.Join('|', applicationId, query.PageNo, query.PageSize, query.Ascending,
            query.From?.UtcTicks.ToString(CultureInfo.InvariantCulture), query.To?.UtcTicks.ToString(CultureInfo.InvariantCulture));
        if (_pages.TryGet(key, out var page))
        {
            return page;
        }
        var stamp = _pages.Stamp(applicationId);
        page = await registry.ListIdsAsync(applicationId, query, cancellationToken);
        _pages.Set(key, page, applicationId, stamp);
        return page;
    }
}
