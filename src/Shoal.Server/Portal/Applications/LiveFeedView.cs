using Shoal.Storage.Entities;

namespace Shoal.Server.Portal.Applications;

/// <summary>A live panel: an application's, with a device filter of <see cref="Devices"/>, or one device's.</summary>
internal sealed record LiveFeedView(string ApplicationId, string? DeviceId, IReadOnlyList<Device> Devices);
