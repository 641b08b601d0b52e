using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Gateway.Https;

internal sealed record IssuedDeviceToken(string AccessToken, TimeSpan ExpiresIn);

/// <summary>
/// The access tokens of HTTPS device access. The database holds only their SHA-256 hashes, so every node sharing it
/// accepts a token any of them issued. A token is random, so an unsalted fast hash is as good as a slow one here.
/// </summary>
internal sealed class DeviceTokens(IServiceScopeFactory scopes, IOptions<GatewayOptions> options, TimeProvider time)
{
    /// <summary>How long a device's older tokens keep working once it has a new one, as on the reference platform.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromSeconds(30);

    /// <summary>Longest token looked up; longer header values are refused without touching the database.</summary>
    private const int MaxTokenLength = 256;

    /// <summary>A new token for the device; its earlier ones end within <see cref="Overlap"/>, and expired ones are removed.</summary>
    public async Task<IssuedDeviceToken> IssueAsync(string deviceId, CancellationToken cancellationToken)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var lifetime = options.Value.HttpsTokenLifetime;
        var overlapEnd = now + Overlap;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        await db.DeviceAccessTokens.Where(t => t.DeviceId == deviceId && t.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        await db.DeviceAccessTokens.Where(t => t.DeviceId == deviceId && t.ExpiresAt > overlapEnd)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.ExpiresAt, overlapEnd), cancellationToken);
        db.DeviceAccessTokens.Add(new DeviceAccessToken { DeviceId = deviceId, TokenHash = Hash(token), IssuedAt = now, ExpiresAt = now + lifetime });
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedDeviceToken(token, lifetime);
    }

    /// <summary>The device a valid token belongs to; null for an unknown or expired token, or a frozen application's device.</summary>
    public async Task<DeviceIdentity?> FindAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return null;
        }
        var hash = Hash(token);
        var now = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var device = await db.DeviceAccessTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash && t.ExpiresAt > now)
            .Join(db.Devices, t => t.DeviceId, d => d.Id, (t, d) => d)
            .Join(db.Applications, d => d.ApplicationId, a => a.Id, (d, a) => new { d.Id, d.ApplicationId, a.DataManagement, a.FrozenAt })
            .SingleOrDefaultAsync(cancellationToken);
        return device is { FrozenAt: null } ? new DeviceIdentity(device.Id, device.ApplicationId, device.DataManagement) : null;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
