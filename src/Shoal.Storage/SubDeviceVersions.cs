using Microsoft.EntityFrameworkCore;

namespace Shoal.Storage;

public static class SubDeviceVersions
{
    /// <summary>
    /// Moves the gateway's <see cref="Entities.Device.SubDevicesVersion"/> on by one and returns the new version. Run it in
    /// the transaction that changes the sub-devices: the update locks the gateway's row, so concurrent changes of one
    /// gateway's sub-devices get versions in the order they commit.
    /// </summary>
    public static async Task<long> NextSubDevicesVersionAsync(this ShoalDb db, string gatewayId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var gateway = db.Devices.Where(d => d.Id == gatewayId);
        await gateway.ExecuteUpdateAsync(u => u.SetProperty(d => d.SubDevicesVersion, d => d.SubDevicesVersion + 1), cancellationToken);
        return await gateway.Select(d => d.SubDevicesVersion).SingleAsync(cancellationToken);
    }
}
