using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Gateway;

/// <summary>
/// What a device's password check needs: its application, its decrypted secret (as the UTF-8 bytes the HMAC runs over;
/// null when this node's keys cannot decrypt it), its gateway when it is a sub-device, and its application's standing.
/// </summary>
internal sealed record DeviceCredential(string ApplicationId, byte[]? Secret, string? GatewayId, bool DataManagement, bool Frozen);

/// <summary>
/// The credentials of the devices that connect, kept in this process's memory so that a CONNECT costs an HMAC and no
/// database read. The decrypted secrets are never logged nor written anywhere. A change to a device (a secret reset, a
/// deletion) voids its entry on every node; a change to any application (a freeze, a setting, a deletion) voids them
/// all. Unknown device IDs are read every time. At start the devices most recently seen are loaded in the background, so that the
/// reconnect of a whole fleet after a restart finds its credentials waiting.
/// </summary>
internal sealed partial class DeviceCredentials
{
    /// <summary>How long an entry is trusted without a change to void it: the bound for a change relayed late or lost.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>How many devices are kept at most; past it the cache starts again empty.</summary>
    public const int Capacity = 125_000;

    /// <summary>How many devices the start loads at most, leaving room for the others.</summary>
    public const int PreloadLimit = 100_000;

    private const int PreloadBatch = 1_000;

    /// <summary>One device's row and its application's standing: a narrow read, compiled once.</summary>
    private readonly Func<ShoalDb, string, CancellationToken, Task<CredentialRow?>> _readOne = EF.CompileAsyncQuery(
        (ShoalDb db, string deviceId, CancellationToken _) => db.Devices.AsNoTracking()
            .Where(d => d.Id == deviceId)
            .Join(db.Applications, d => d.ApplicationId, a => a.Id,
                (d, a) => new CredentialRow(d.Id, d.ApplicationId, d.ProtectedSecret, d.GatewayId, a.DataManagement, a.FrozenAt != null))
            .SingleOrDefault());

    private readonly ChangeCache<DeviceCredential> _cache;
    private readonly IServiceScopeFactory _scopes;
    private readonly IDataProtector _secrets;
    private readonly IOptions<GatewayOptions> _options;
    private readonly ILogger<DeviceCredentials> _logger;

    public DeviceCredentials(
        IServiceScopeFactory scopes, IDataProtectionProvider protection, Changes changes, IOptions<GatewayOptions> options, TimeProvider time,
        ILogger<DeviceCredentials> logger)
    {
        ArgumentNullException.ThrowIfNull(protection);
        ArgumentNullException.ThrowIfNull(changes);
        (_scopes, _options, _logger) = (scopes, options, logger);
        _secrets = protection.CreateProtector(Device.SecretProtectionPurpose);
        _cache = new ChangeCache<DeviceCredential>(time, Lifetime, Capacity);
        _cache.VoidedBy(changes, ChangeKind.Device);
        changes.Subscribe(change =>
        {
            if (change.Kind == ChangeKind.Application)
            {
                _cache.VoidAll();
            }
        });
    }

    /// <summary>The credentials of <paramref name="deviceId"/>, from memory when a change has not voided them; null for an unknown device.</summary>
    public async ValueTask<DeviceCredential?> GetAsync(string deviceId, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(deviceId, out var credential))
        {
            return credential;
        }
        var stamp = _cache.Stamp(deviceId);
        CredentialRow? row;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            row = await _readOne(scope.ServiceProvider.GetRequiredService<ShoalDb>(), deviceId, cancellationToken);
        }
        if (row is null)
        {
            return null;
        }
        credential = Reveal(row);
        Keep(row, credential, stamp);
        return credential;
    }

    /// <summary>
    /// Compiles the device lookup and loads the secret keys before devices connect, so that the first CONNECT after a
    /// start does not pay for them (SDKs give up on a CONNACK after a second).
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        await GetAsync("", cancellationToken);
        _secrets.Unprotect(_secrets.Protect(""));
    }

    /// <summary>
    /// Loads the credentials of the activated devices that no other node holds, most recently seen first, up to
    /// <see cref="PreloadLimit"/>: the devices that connect again when this node comes back. Their IDs are read first and
    /// stamped, then their rows, a batch at a time, so that a change committed meanwhile voids what was read before it.
    /// </summary>
    public async Task<int> PreloadAsync(CancellationToken cancellationToken)
    {
        var node = _options.Value.Node;
        List<string> ids;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            ids = await db.Devices.AsNoTracking()
                .Where(d => d.Activated && d.GatewayId == null && (d.ConnectedNode == null || d.ConnectedNode == node))
                .OrderByDescending(d => d.LastSeenAt).Take(PreloadLimit)
                .Select(d => d.Id)
                .ToListAsync(cancellationToken);
        }
        var loaded = 0;
        foreach (var batch in ids.Chunk(PreloadBatch))
        {
            var stamps = batch.ToDictionary(id => id, _cache.Stamp, StringComparer.Ordinal);
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
            var rows = await db.Devices.AsNoTracking()
                .Where(d => batch.Contains(d.Id))
                .Join(db.Applications, d => d.ApplicationId, a => a.Id,
                    (d, a) => new CredentialRow(d.Id, d.ApplicationId, d.ProtectedSecret, d.GatewayId, a.DataManagement, a.FrozenAt != null))
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                loaded += Keep(row, Reveal(row), stamps[row.DeviceId]) ? 1 : 0;
            }
        }
        return loaded;
    }

    /// <summary>Keeps what was read after <paramref name="stamp"/>, unless this node cannot decrypt the secret (that is logged at every try).</summary>
    private bool Keep(CredentialRow row, DeviceCredential credential, long stamp)
    {
        if (credential.Secret is null)
        {
            return false;
        }
        _cache.Set(row.DeviceId, credential, row.DeviceId, stamp);
        return true;
    }

    private DeviceCredential Reveal(CredentialRow row)
    {
        byte[]? secret;
        try
        {
            secret = Encoding.UTF8.GetBytes(_secrets.Unprotect(row.ProtectedSecret));
        }
        catch (CryptographicException)
        {
            // Keys lost or rotated away: the device cannot be checked, so it is refused like a wrong password.
            LogUnreadableSecret(_logger, row.DeviceId);
            secret = null;
        }
        return new DeviceCredential(row.ApplicationId, secret, row.GatewayId, row.DataManagement, row.Frozen);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The secret of device {DeviceId} cannot be decrypted with this node's keys.")]
    private static partial void LogUnreadableSecret(ILogger logger, string deviceId);

    private sealed record CredentialRow(
        string DeviceId, string ApplicationId, string ProtectedSecret, string? GatewayId, bool DataManagement, bool Frozen);
}

/// <summary>Loads <see cref="DeviceCredentials"/> at start, in the background: the broker listens meanwhile.</summary>
internal sealed partial class DeviceCredentialsPreload(
    DeviceCredentials credentials, IOptions<GatewayOptions> options, TimeProvider time, ILogger<DeviceCredentialsPreload> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Port == 0 && settings.TlsPort == 0 && settings.HttpsPort == 0)
        {
            return;
        }
        await Task.Yield();
        var started = time.GetTimestamp();
        try
        {
            var loaded = await credentials.PreloadAsync(stoppingToken);
            var milliseconds = time.GetElapsedTime(started).TotalMilliseconds;
            LogPreloaded(logger, loaded, milliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            // Only a head start is lost: every device is still read on its first connect.
            LogPreloadFailed(logger, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the credentials of {Count} devices in {Milliseconds:F0} ms.")]
    private static partial void LogPreloaded(ILogger logger, int count, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading device credentials at start failed; devices are read on their first connect.")]
    private static partial void LogPreloadFailed(ILogger logger, Exception error);
}
