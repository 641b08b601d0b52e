using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Shoal.Gateway.Https;

/// <summary>
/// The per-device message rate of HTTPS device access, counted on this node: the same limit an MQTT connection has,
/// which is also counted on the node that holds it.
/// </summary>
internal sealed class DeviceRequestRate(IOptions<GatewayOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, RateWindow> _windows = new(StringComparer.Ordinal);

    public bool TryTake(string deviceId)
    {
        var window = _windows.GetOrAdd(deviceId, _ => new RateWindow());
        lock (window)
        {
            return window.TryTake(time.GetUtcNow(), options.Value.MaxMessagesPerSecondPerDevice);
        }
    }
}
