using Shoal.Server.Applications;

namespace Shoal.Server.Portal;

/// <summary>
/// What the one-time credentials dialog shows after a secret is issued (an application's or a device's); never stored.
/// The same lines make the text file "Save secret to local" writes.
/// </summary>
internal sealed record Credentials(
    string Title, string Lead, string Warning, string FileHeading, string FileName, string SaveButtonId,
    IReadOnlyList<CredentialLine> Lines, IReadOnlyList<CredentialLink> Links)
{
    public static Credentials ForApplication(
        string title, string lead, string applicationId, string applicationName, string secret, AccessAddresses addresses) => new(
        title, lead,
        "The secret is shown only now and cannot be displayed again. Save it somewhere safe; if it is lost, reset it.",
        "Shoal application credentials", FileNameFor(applicationName), "save-secret",
        [
            new("Application name", applicationName),
            new("Application ID", applicationId, "app-id", Copy: true),
            new("Application secret", secret, "app-secret", Secret: true, Copy: true),
            new("Application access address", addresses.Application, "app-access-address"),
            .. DeviceAddresses(addresses),
        ],
        [
            new("Go to application details", $"/applications/{applicationId}", "go-details"),
            new("Return to application list", "/applications", "return-list"),
        ]);

    /// <summary>For a device's secret: how to connect it with that secret, besides the lines.</summary>
    public DeviceConnect? Connect { get; init; }

    public static Credentials ForDevice(
        string title, string lead, string applicationId, string deviceId, string nodeId, string secret, AccessAddresses addresses,
        TimeProvider? time = null) => new(
        title, lead,
        "The device secret is shown only now and cannot be displayed again. Save it somewhere safe; if it is lost, reset it.",
        "Shoal device credentials", FileNameFor(nodeId), "save-device-secret",
        [
            new("Node ID", nodeId, "device-node-id"),
            new("Device ID", deviceId, "device-id", Copy: true),
            new("Device secret", secret, "device-secret", Secret: true, Copy: true),
            .. DeviceAddresses(addresses),
            new("Application ID", applicationId),
        ],
        [
            new("Go to device details", $"/applications/{applicationId}/devices/{deviceId}", "go-device"),
            new("Return to device list", $"/applications/{applicationId}/devices", "return-devices"),
        ])
    {
        Connect = DeviceConnect.For(addresses, deviceId, secret, (time ?? TimeProvider.System).GetUtcNow()),
    };

    private static IEnumerable<CredentialLine> DeviceAddresses(AccessAddresses addresses)
    {
        yield return new("Device access address", addresses.Device, "device-access-address");
        if (addresses.DeviceMqtts is { } mqtts && mqtts != addresses.Device)
        {
            yield return new("Device MQTTS access address", mqtts, "device-mqtts-address");
        }
        if (addresses.DeviceHttps is { } https)
        {
            yield return new("Device HTTPS access address", https, "device-https-address");
        }
        if (addresses.DeviceCoap is { } coap)
        {
            yield return new("Device CoAP access address", coap, "device-coap-address");
        }
        if (addresses.DeviceCoaps is { } coaps)
        {
            yield return new("Device CoAPS access address", coaps, "device-coaps-address");
        }
    }

    private static string FileNameFor(string name) => SafeFileName($"shoal-{name}-secret.txt");

    /// <summary>A download name safe on every file system: only ASCII letters, digits, '.', '-' and '_'.</summary>
    public static string SafeFileName(string? fileName)
    {
        var safe = new string((fileName ?? "").Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.').ToArray()).TrimStart('.');
        return safe.Length == 0 ? "shoal-secret.txt" : safe;
    }
}

/// <summary>One value of the dialog and the file; a line without <paramref name="ElementId"/> goes into the file only.</summary>
internal sealed record CredentialLine(string Label, string Value, string? ElementId = null, bool Secret = false, bool Copy = false);

internal sealed record CredentialLink(string Text, string Href, string Id);
