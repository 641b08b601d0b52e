using Shoal.Server.Common;

namespace Shoal.Server.Devices;

internal static class DeviceFailures
{
    /// <summary>
    /// Registration failures that concern one field, as field errors: the management API and the portal name the field
    /// (the northbound API answers its own codes instead).
    /// </summary>
    public static Failure OnFields(this Failure failure) => failure switch
    {
        NodeIdTaken => new InvalidInput(FieldErrors.Of("nodeId", "This nodeId is already registered in the application.")),
        RequiredMissing missing => new InvalidInput(FieldErrors.Of(missing.Field, $"Enter the {missing.Field}.")),
        _ => failure,
    };
}
