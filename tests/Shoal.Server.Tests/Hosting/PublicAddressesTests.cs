using Microsoft.Extensions.Configuration;
using Shoal.Server.Applications;
using Shoal.Server.Hosting;

namespace Shoal.Server.Tests.Hosting;

public sealed class PublicAddressesTests
{
    private static readonly Dictionary<string, string?> Defaults = new()
    {
        ["Kestrel:Endpoints:Portal:Url"] = "http://localhost:8080",
        ["Kestrel:Endpoints:Northbound:Url"] = "https://localhost:8743",
    };

    private static AccessAddresses Resolve(params (string Key, string? Value)[] settings)
    {
        var values = new Dictionary<string, string?>(Defaults);
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }
        return PublicAddresses.Resolve(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    private static string Refusal(params (string Key, string? Value)[] settings) =>
        Assert.Throws<InvalidOperationException>(() => Resolve(settings)).Message;

    [Fact]
    public void Defaults_EveryListenerShownOnLocalhost()
    {
        Assert.Equal(
            new AccessAddresses(
                "https://localhost:8743", "mqtt://localhost:1883", "mqtts://localhost:8883", "https://localhost:8943", "coap://localhost:5683", "coaps://localhost:5684"),
            Resolve());
    }

    [Fact]
    public void PublicHost_NamesEveryDerivedAddress()
    {
        var addresses = Resolve(("Shoal:PublicHost", "iot.example.com"), ("Gateway:Port", "11883"));

        Assert.Equal(
            new AccessAddresses(
                "https://iot.example.com:8743", "mqtt://iot.example.com:11883", "mqtts://iot.example.com:8883", "https://iot.example.com:8943",
                "coap://iot.example.com:5683", "coaps://iot.example.com:5684"),
            addresses);
    }

    [Fact]
    public void CoapPorts_Off_HideTheirAddresses()
    {
        var addresses = Resolve(("Coap:Port", "0"), ("Coap:DtlsPort", "0"));

        Assert.Equal((null, null), (addresses.DeviceCoap, addresses.DeviceCoaps));
    }

    [Fact]
    public void CoapPorts_TheSame_StopShoalSayingWhich()
    {
        var message = Refusal(("Coap:Port", "5683"), ("Coap:DtlsPort", "5683"));

        Assert.Contains("Coap:Port and Coap:DtlsPort both listen on port 5683", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListenerOnOneAddress_IsShownWithThatAddress()
    {
        var addresses = Resolve(("Gateway:Host", "10.1.2.3"), ("Kestrel:Endpoints:Northbound:Url", "https://10.1.2.4:9443"));

        Assert.Equal("mqtt://10.1.2.3:1883", addresses.Device);
        Assert.Equal("https://10.1.2.4:9443", addresses.Application);
    }

    [Fact]
    public void ExplicitAddress_WinsAndEmptyHides()
    {
        var addresses = Resolve(("Shoal:DeviceAccessAddress", "mqtt://balancer.example.com:1883"), ("Shoal:DeviceHttpsAccessAddress", ""));

        Assert.Equal("mqtt://balancer.example.com:1883", addresses.Device);
        Assert.Null(addresses.DeviceHttps);
    }

    [Fact]
    public void PlainMqttOff_DevicesAreShownTheMqttsAddress()
    {
        var addresses = Resolve(("Gateway:Port", "0"));

        Assert.Equal("mqtts://localhost:8883", addresses.Device);
    }

    [Fact]
    public void TwoListenersOnOnePort_RefusedNamingBoth()
    {
        var message = Refusal(("Gateway:Host", "127.0.0.1"), ("Gateway:HttpsPort", "8743"));

        Assert.Contains("Kestrel:Endpoints:Northbound:Url and Gateway:HttpsPort both listen on port 8743", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddressOfTheWrongScheme_Refused()
    {
        var message = Refusal(("Shoal:DeviceMqttsAccessAddress", "https://iot.example.com:8883"));

        Assert.Contains("Shoal:DeviceMqttsAccessAddress must be an absolute mqtts:// address", message, StringComparison.Ordinal);
    }

    [Fact]
    public void GatewayHostThatIsNoAddress_Refused()
    {
        var message = Refusal(("Gateway:Host", "every-interface"));

        Assert.Contains("Gateway:Host must be *, localhost or an IP address", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoMqttListenerAndNoAddress_Refused()
    {
        var message = Refusal(("Gateway:Port", "0"), ("Gateway:TlsPort", "0"));

        Assert.Contains("Devices have no MQTT address", message, StringComparison.Ordinal);
    }
}
