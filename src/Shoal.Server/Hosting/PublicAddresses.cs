using System.Globalization;
using System.Net;
using Shoal.Coap.Lwm2m;
using Shoal.Gateway;
using Shoal.Server.Applications;

namespace Shoal.Server.Hosting;

/// <summary>
/// The addresses shown on every application, derived from the listeners: each listener's port with the public host
/// name (<c>Shoal:PublicHost</c>, else the listener's own host, else <c>localhost</c>), unless an address is set
/// explicitly, as behind a balancer or a port forward. Settings that cannot work together stop Shoal at start.
/// </summary>
internal static class PublicAddresses
{
    public static AccessAddresses Resolve(IConfiguration configuration)
    {
        var shoal = configuration.GetSection(ShoalOptions.Section).Get<ShoalOptions>() ?? new ShoalOptions();
        var gateway = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        var coap = configuration.GetSection(Lwm2mOptions.Section).Get<Lwm2mOptions>() ?? new Lwm2mOptions();
        var errors = new List<string>();
        if (gateway.HostAddresses is null)
        {
            errors.Add($"Gateway:Host must be *, localhost or an IP address; it is '{gateway.Host}'.");
        }
        var portal = Endpoint(configuration, "Portal", errors);
        var northbound = Endpoint(configuration, "Northbound", errors);
        var listeners = new List<(string Setting, string Host, int Port)>();
        if (portal is not null)
        {
            listeners.Add(("Kestrel:Endpoints:Portal:Url", portal.Host, portal.Port));
        }
        if (northbound is not null)
        {
            listeners.Add(("Kestrel:Endpoints:Northbound:Url", northbound.Host, northbound.Port));
        }
        foreach (var (setting, port) in new[] { ("Gateway:Port", gateway.Port), ("Gateway:TlsPort", gateway.TlsPort), ("Gateway:HttpsPort", gateway.HttpsPort) })
        {
            if (port != 0)
            {
                listeners.Add((setting, gateway.Host, port));
            }
        }
        if (coap.Port != 0 && coap.Port == coap.DtlsPort)
        {
            errors.Add($"Coap:Port and Coap:DtlsPort both listen on port {coap.Port}.");
        }
        for (var i = 0; i < listeners.Count; i++)
        {
            for (var j = i + 1; j < listeners.Count; j++)
            {
                if (listeners[i].Port == listeners[j].Port && listeners[i].Port != 0 && Overlap(listeners[i].Host, listeners[j].Host))
                {
                    errors.Add($"{listeners[i].Setting} and {listeners[j].Setting} both listen on port {listeners[i].Port}.");
                }
            }
        }

        string? Derived(string scheme, string host, int port) =>
            port == 0 ? null : $"{scheme}://{FormatHost(shoal.PublicHost ?? (IsWildcard(host) ? "localhost" : host))}:{port.ToString(CultureInfo.InvariantCulture)}";

        string? Address(string setting, string? configured, string? derived, params string[] schemes)
        {
            if (configured is null)
            {
                return derived;
            }
            if (configured.Length == 0)
            {
                return null;
            }
            if (!Uri.TryCreate(configured, UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme) || uri.Host.Length == 0)
            {
                errors.Add($"Shoal:{setting} must be an absolute {string.Join(" or ", schemes.Select(s => s + "://"))} address; it is '{configured}'.");
            }
            return configured;
        }

        if (shoal.PublicHost is { } publicHost && Uri.CheckHostName(publicHost) == UriHostNameType.Unknown)
        {
            errors.Add($"Shoal:PublicHost must be a host name or an IP address; it is '{publicHost}'.");
        }
        var application = Address(nameof(ShoalOptions.ApplicationAccessAddress), shoal.ApplicationAccessAddress,
            northbound is null ? null : Derived(northbound.Scheme, northbound.Host, northbound.Port), "https", "http");
        var mqtt = Address(nameof(ShoalOptions.DeviceAccessAddress), shoal.DeviceAccessAddress, Derived("mqtt", gateway.Host, gateway.Port), "mqtt", "mqtts");
        var mqtts = Address(nameof(ShoalOptions.DeviceMqttsAccessAddress), shoal.DeviceMqttsAccessAddress, Derived("mqtts", gateway.Host, gateway.TlsPort), "mqtts");
        var https = Address(nameof(ShoalOptions.DeviceHttpsAccessAddress), shoal.DeviceHttpsAccessAddress, Derived("https", gateway.Host, gateway.HttpsPort), "https");
        var coapAddress = Address(nameof(ShoalOptions.DeviceCoapAccessAddress), shoal.DeviceCoapAccessAddress, Derived("coap", gateway.Host, coap.Port), "coap");
        var coaps = Address(nameof(ShoalOptions.DeviceCoapsAccessAddress), shoal.DeviceCoapsAccessAddress, Derived("coaps", gateway.Host, coap.DtlsPort), "coaps");
        if (application is null)
        {
            errors.Add("NAs have no address: configure Kestrel:Endpoints:Northbound:Url or set Shoal:ApplicationAccessAddress.");
        }
        var device = mqtt ?? mqtts;
        if (device is null)
        {
            errors.Add("Devices have no MQTT address: give Gateway:Port or Gateway:TlsPort a port, or set Shoal:DeviceAccessAddress.");
        }
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Shoal cannot start with these settings:\n  " + string.Join("\n  ", errors));
        }
        return new AccessAddresses(application!, device!, mqtts, https, coapAddress, coaps);
    }

    /// <summary>The portal's address for links in mails: <c>Shoal:PortalAddress</c>, else the portal listener's with the public host.</summary>
    public static PortalAddress ResolvePortal(IConfiguration configuration)
    {
        var shoal = configuration.GetSection(ShoalOptions.Section).Get<ShoalOptions>() ?? new ShoalOptions();
        if (shoal.PortalAddress is { } configured)
        {
            return Uri.TryCreate(configured, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? new PortalAddress(configured.TrimEnd('/'))
                : throw new InvalidOperationException($"Shoal cannot start with these settings:\n  Shoal:PortalAddress must be an absolute http:// or https:// address; it is '{configured}'.");
        }
        var portal = Endpoint(configuration, "Portal", []);
        var host = shoal.PublicHost ?? (portal is null || IsWildcard(portal.Host) ? "localhost" : portal.Host);
        var port = portal is { Port: not 0 } ? ":" + portal.Port.ToString(CultureInfo.InvariantCulture) : "";
        return new PortalAddress($"{portal?.Scheme ?? "http"}://{FormatHost(host)}{port}");
    }

    private static BindingAddress? Endpoint(IConfiguration configuration, string name, List<string> errors)
    {
        var url = configuration[$"Kestrel:Endpoints:{name}:Url"];
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }
        try
        {
            return BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            errors.Add($"Kestrel:Endpoints:{name}:Url is not a listening address: '{url}'.");
            return null;
        }
    }

    public static bool IsWildcard(string host) =>
        host is "*" or "+" or "" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)));

    private static bool Overlap(string a, string b) =>
        IsWildcard(a) || IsWildcard(b) || (IsLoopback(a) && IsLoopback(b))
        || string.Equals(a.Trim('[', ']'), b.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static string FormatHost(string host) =>
        IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
}

/// <summary>Where the portal is reached from outside, without a trailing slash.</summary>
internal sealed record PortalAddress(string Value)
{
    public string Link(string pathAndQuery) => Value + pathAndQuery;
}
