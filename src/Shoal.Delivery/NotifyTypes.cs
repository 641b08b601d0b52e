namespace Shoal.Delivery;

/// <summary>The notification types an NA can subscribe to, as the reference platform names them.</summary>
public static class NotifyTypes
{
    public const string DeviceAdded = "deviceAdded";
    public const string BindDevice = "bindDevice";
    public const string DeviceInfoChanged = "deviceInfoChanged";
    public const string DeviceDataChanged = "deviceDataChanged";
    public const string DeviceDatasChanged = "deviceDatasChanged";
    public const string DeviceDeleted = "deviceDeleted";
    public const string MessageConfirm = "messageConfirm";
    public const string CommandRsp = "commandRsp";
    public const string DeviceEvent = "deviceEvent";
    /// <summary>A message the device sent on <c>sys/messages/up</c> or a topic of its own naming.</summary>
    public const string DeviceMessageUp = "deviceMessageUp";
    public const string RuleEvent = "ruleEvent";

    public static readonly IReadOnlyList<string> All =
    [
        DeviceAdded, BindDevice, DeviceInfoChanged, DeviceDataChanged, DeviceDatasChanged,
        DeviceDeleted, MessageConfirm, CommandRsp, DeviceEvent, DeviceMessageUp, RuleEvent,
    ];
}
