using Shoal.Storage.Entities;

namespace Shoal.Gateway;

/// <summary>Commands to a device that is not reached by MQTT publishes.</summary>
internal interface IDeviceDownlink
{
    /// <summary>Whether the device listens now (a sleeping device listens only for a while after it sends).</summary>
    bool Awake { get; }

    /// <summary>Starts sending a SENT command; its delivery is stored when the device acknowledges it.</summary>
    void Send(DeviceCommand command);
}
