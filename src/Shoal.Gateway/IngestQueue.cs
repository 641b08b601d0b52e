using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Shoal.Gateway;

/// <summary>
/// The bounded queue between the MQTT handlers and the one <see cref="IngestWriter"/>. When it is full, publishers wait
/// (and so do their PUBACKs): memory stays bounded and nothing is dropped.
/// </summary>
internal sealed class IngestQueue(IOptions<GatewayOptions> options)
{
    private readonly Channel<IngestItem> _items = Channel.CreateBounded<IngestItem>(
        new BoundedChannelOptions(options.Value.IngestQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<IngestItem> Reader => _items.Reader;

    /// <summary>Queues <paramref name="item"/> and returns once the transaction that holds it has committed.</summary>
    public async Task StoreAsync(IngestItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        await _items.Writer.WriteAsync(item, cancellationToken);
        await item.Stored.WaitAsync(cancellationToken);
    }
}
