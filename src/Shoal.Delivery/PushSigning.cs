using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Delivery;

/// <summary>
/// Standard Webhooks signing: each application has a secret (<c>whsec_</c> + base64 key) kept encrypted; a rotated
/// secret keeps signing beside the new one for an overlap, so the NA can switch without losing a push.
/// </summary>
public sealed class PushSigning(IDataProtectionProvider protection, IOptions<DeliveryOptions> options, TimeProvider time)
{
    private const string Prefix = "whsec_";
    private readonly IDataProtector _protector = protection.CreateProtector("Shoal.PushSigningSecrets.v1");

    /// <summary>Issues a new secret for the application (returned once) and lets the previous ones retire after the overlap.</summary>
    public async Task<string> RotateAsync(ShoalDb db, string applicationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow();
        var keys = await db.PushSigningKeys.Where(k => k.ApplicationId == applicationId).ToListAsync(cancellationToken);
        foreach (var old in keys)
        {
            if (old.RetiresAt is { } retires && retires <= now)
            {
                db.PushSigningKeys.Remove(old);
            }
            else
            {
                old.RetiresAt ??= now + options.Value.SigningSecretOverlap;
            }
        }
        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        db.PushSigningKeys.Add(new PushSigningKey
        {
            Id = Guid.NewGuid(),
            ApplicationId = applicationId,
            ProtectedSecret = _protector.Protect(secret),
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        return secret;
    }

    /// <summary>The keys that sign the application's pushes now; the first push of an application without one makes one.</summary>
    internal async Task<IReadOnlyList<byte[]>> KeysAsync(ShoalDb db, string applicationId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var secrets = await db.PushSigningKeys.AsNoTracking()
            .Where(k => k.ApplicationId == applicationId && (k.RetiresAt == null || k.RetiresAt > now))
            .Select(k => k.ProtectedSecret)
            .ToListAsync(cancellationToken);
        if (secrets.Count == 0)
        {
            await RotateAsync(db, applicationId, cancellationToken);
            return await KeysAsync(db, applicationId, cancellationToken);
        }
        return [.. secrets.Select(s => Convert.FromBase64String(_protector.Unprotect(s)[Prefix.Length..]))];
    }

    /// <summary>The <c>webhook-signature</c> value: <c>v1,</c> + base64 HMAC-SHA256 over <c>id.timestamp.body</c>, one per key.</summary>
    internal static string Sign(IEnumerable<byte[]> keys, string webhookId, long timestamp, string body)
    {
        var content = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.{body}");
        return string.Join(' ', keys.Select(key => "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content))));
    }
}
