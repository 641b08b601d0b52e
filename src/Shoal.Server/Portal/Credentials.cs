namespace Shoal.Server.Portal;

/// <summary>What the one-time credentials dialog shows after a creation or a secret reset; never stored.</summary>
internal sealed record Credentials(
    string Title, string Lead, string ApplicationId, string ApplicationName, string Secret,
    string ApplicationAccessAddress, string DeviceAccessAddress);
