using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Delivery;

/// <summary>
/// Sends one sample push to a subscription's receiver, signed and verified exactly as real pushes are, so an owner can
/// see the receiver's answer before any device reports. Nothing is stored and nothing is retried.
/// </summary>
internal sealed class PushProbe(PushSender sender, PushSigning signing, CommissioningCa commissioningCa, TimeProvider time)
{
    public async Task<PushResult> SendAsync(ShoalDb db, Subscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(subscription);
        var recipient = await db.Applications.AsNoTracking().Where(a => a.Id == subscription.SubscriberId)
            .Select(a => new { a.PushProtocol, a.CaCertificatesPem, a.UseCommissioningCa }).SingleAsync(cancellationToken);
        var body = JsonSerializer.Serialize(new { notifyType = subscription.NotifyType, test = true, sentAt = time.GetUtcNow() });
        return await sender.SendAsync(
            new PushRequest(subscription.SubscriberId, recipient.PushProtocol, commissioningCa.Trusted(recipient.UseCommissioningCa, recipient.CaCertificatesPem),
                subscription.CallbackUrl, $"msg_test_{Guid.NewGuid():N}", body, await signing.KeysAsync(db, subscription.SubscriberId, cancellationToken)),
            cancellationToken);
    }
}
