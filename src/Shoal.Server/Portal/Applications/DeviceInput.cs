using Shoal.Server.Devices;
using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

/// <summary>
/// The device forms as posted, named after the management API's camelCase fields. It only carries values:
/// every rule is checked by <see cref="DeviceRegistry"/>.
/// </summary>
internal sealed class DeviceInput
{
    public string? NodeId { get; set; }
    public string? Psk { get; set; }
    public int? Timeout { get; set; }
    public string? Name { get; set; }
    public string? Manufacturer { get; set; }
    public string? Model { get; set; }
    public string? DeviceType { get; set; }
    public string? ProtocolType { get; set; }
    public string? Location { get; set; }
    public string? Description { get; set; }

    public static DeviceInput From(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new()
        {
            Name = device.Name, Manufacturer = device.Manufacturer, Model = device.Model, DeviceType = device.DeviceType,
            ProtocolType = device.ProtocolType, Location = device.Location, Description = device.Description,
        };
    }

    /// <summary>The portal registers without a deadline unless given one: a device that is slow to come up is not removed behind the user's back.</summary>
    public DeviceRegistration ToRegistration() =>
        new(NodeId, VerifyCode: null, Timeout ?? 0, Psk, ProductId: null, new DeviceInfo(Name, Manufacturer, Model, DeviceType, ProtocolType, Location, Description));

    /// <summary>
    /// The edit form shows every descriptive field, so a field emptied there is cleared; the registry keeps a field it is
    /// given null for, hence an emptied field that had a value is sent as "".
    /// </summary>
    public DeviceInfo ToChange(Device current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new(
            Cleared(Name, current.Name), Cleared(Manufacturer, current.Manufacturer), Cleared(Model, current.Model),
            Cleared(DeviceType, current.DeviceType), Cleared(ProtocolType, current.ProtocolType), Cleared(Location, current.Location),
            Cleared(Description, current.Description));

        static string? Cleared(string? posted, string? stored) => posted ?? (stored is null ? null : "");
    }
}
