using Shoal.Storage.Entities;

namespace Shoal.Gateway.SubDevices;

/// <summary>
/// Tells a gateway connected to this node that its sub-devices changed through the management or northbound API. A
/// gateway connected elsewhere, or not at all, learns of the change when it next asks for a sync.
/// </summary>
internal sealed class SubDeviceNotices(GatewayServer gateway, TimeProvider time)
{
    public Task<bool> AddedAsync(string gatewayId, Device device, long version, CancellationToken cancellationToken) =>
        PublishAsync(SubDeviceEvents.AddedNotice(gatewayId, [device], version, time.GetUtcNow()), cancellationToken);

    public Task<bool> DeletedAsync(string gatewayId, Device device, long version, CancellationToken cancellationToken) =>
        PublishAsync(SubDeviceEvents.DeletedNotice(gatewayId, [device], version, time.GetUtcNow()), cancellationToken);

    /// <summary>
    /// Only the gateway subscribes to its own topics, so a gateway that is not connected here is sent nothing; false when
    /// the broker does not run on this node.
    /// </summary>
    private Task<bool> PublishAsync(DeviceReplyMessage notice, CancellationToken cancellationToken) =>
        gateway.PublishAsync(notice.Topic, notice.Payload, cancellationToken);
}
