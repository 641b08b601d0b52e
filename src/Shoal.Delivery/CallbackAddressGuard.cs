using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Shoal.Storage.Entities;

namespace Shoal.Delivery;

/// <summary>
/// Keeps pushes away from the platform's own networks: a callback host that resolves to a loopback, private,
/// link-local, CGNAT, unique-local or cloud-metadata address is refused, unless the operator allow-listed its network.
/// </summary>
public sealed class CallbackAddressGuard(IOptions<DeliveryOptions> options)
{
    private static readonly IPNetwork[] Internal = [.. new[]
    {
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
    }.Select(IPNetwork.Parse)];

    private readonly IPNetwork[] _allowed = [.. options.Value.AllowedNetworks.Select(IPNetwork.Parse)];

    public const int MaxCallbackUrlLength = 1024;

    /// <summary>Why a callback URL may not be used, or null: length, an explicit scheme matching the push protocol, and a host pushes may reach.</summary>
    public async Task<string?> CheckCallbackUrlAsync(string callbackUrl, PushProtocol protocol, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callbackUrl);
        if (callbackUrl.Length > MaxCallbackUrlLength)
        {
            return $"it is longer than {MaxCallbackUrlLength} characters.";
        }
        var scheme = protocol == PushProtocol.Https ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
        if (!Uri.TryCreate(callbackUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
            || !callbackUrl.StartsWith(url.Scheme + "://", StringComparison.OrdinalIgnoreCase))
        {
            return "it must be an absolute http:// or https:// URL.";
        }
        if (url.Scheme != scheme)
        {
            return $"the application pushes over {scheme.ToUpperInvariant()}, so the URL must start with {scheme}://.";
        }
        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "it must not carry a user name or password.";
        }
        var (_, refusal) = await ResolveAsync(url.IdnHost, cancellationToken);
        return refusal;
    }

    public bool IsAllowed(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return _allowed.Any(n => n.Contains(address)) || !Internal.Any(n => n.Contains(address));
    }

    /// <summary>The addresses of <paramref name="host"/>, or why it may not be reached: every one of them must be allowed.</summary>
    public async Task<(IPAddress[] Addresses, string? Refusal)> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException)
            {
                return ([], $"The host '{host}' cannot be resolved.");
            }
        }
        if (addresses.Length == 0)
        {
            return ([], $"The host '{host}' cannot be resolved.");
        }
        var refused = addresses.FirstOrDefault(a => !IsAllowed(a));
        return refused is null
            ? (addresses, null)
            : ([], $"The host '{host}' resolves to {refused}, an internal address that pushes may not reach.");
    }
}
