namespace Shoal.Gateway;

/// <summary>
/// An authenticated device, with what the gateway looked up once when it authenticated: what ingest needs to store
/// what the device sent, whether it came over an MQTT connection or an HTTPS request.
/// </summary>
internal class DeviceIdentity(string deviceId, string applicationId, bool dataManagement)
{
    public string DeviceId => deviceId;
    public string ApplicationId => applicationId;
    /// <summary>Whether the application keeps history; read at authentication, not per message.</summary>
    public bool DataManagement => dataManagement;
}
