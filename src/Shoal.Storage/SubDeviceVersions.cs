using Microsoft.EntityFrameworkCore;

namespace Shoal.Storage;

public static class SubDeviceVersions
{
    /// <summary>
    /// Saves a change of the gateway's sub-devices and moves its <see cref="Entities.Device.SubDevicesVersion"/> on by one,
    /// in one transaction; returns the new version. The update locks the gateway's row first, so concurrent changes of
    /// one gateway's sub-devices get versions in the order they commit.
    /// </summary>
    public static async Task<long> SaveSubDeviceChangesAsync(this ShoalDb db, string gatewayId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var gateway = db.Devices.Where(d => d.Id == gatewayId);
        await gateway.ExecuteUpdateAsync(u => u.SetProperty(d => d.SubDevicesVersion, d => d.SubDevicesVersion + 1), cancellationToken);
        var version = await gateway.Select(d => d.SubDevicesVersion).SingleAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return version;
    }
}
