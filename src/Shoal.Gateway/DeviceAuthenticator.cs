using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Gateway;

/// <summary>The outcome of a CONNECT: the device's connection, or the CONNACK reason it is refused with.</summary>
internal sealed record Authentication(DeviceConnection? Connection, MqttConnectReasonCode ReasonCode, string? Reason)
{
    public static Authentication Refused(MqttConnectReasonCode code, string reason) => new(null, code, reason);
}

internal enum PasswordCheckOutcome
{
    /// <summary>Unknown device, wrong password, or a timestamp too far from now: one answer for all, so IDs cannot be probed.</summary>
    Refused,
    Frozen,
    /// <summary>A sub-device: it reaches Shoal only through its gateway, never on its own.</summary>
    SubDevice,
    Accepted,
}

/// <summary>The outcome of a device's password check, and the device when it was accepted.</summary>
internal sealed record PasswordCheck(PasswordCheckOutcome Outcome, DeviceIdentity? Device)
{
    public static readonly PasswordCheck Refused = new(PasswordCheckOutcome.Refused, null);
}

/// <summary>
/// Checks a device's CONNECT as the reference platform does: client ID <c>{deviceId}_0_{signType}_{YYYYMMDDHH}</c>,
/// user name = device ID, password = lowercase hex HMAC-SHA256 keyed by the timestamp over the device secret.
/// The device row is read on every connect, so a secret reset or a deletion counts from the next one.
/// </summary>
internal sealed partial class DeviceAuthenticator(
    IServiceScopeFactory scopes, IDataProtectionProvider protection, IOptions<GatewayOptions> options, TimeProvider time,
    ILogger<DeviceAuthenticator> logger)
{
    private const string TimestampFormat = "yyyyMMddHH";
    private readonly IDataProtector _secrets = protection.CreateProtector(Device.SecretProtectionPurpose);

    [GeneratedRegex(@"^(?<device>.+)_0_(?<sign>[01])_(?<timestamp>\d{10})$")]
    private static partial Regex ClientIdPattern();

    public async Task<Authentication> AuthenticateAsync(
        string? clientId, string? userName, ReadOnlyMemory<byte> password, MqttProtocolVersion protocol, CancellationToken cancellationToken)
    {
        if (clientId?.Length > options.Value.MaxClientIdLength)
        {
            return Authentication.Refused(MqttConnectReasonCode.ClientIdentifierNotValid, $"The client ID is longer than {options.Value.MaxClientIdLength} characters.");
        }
        var match = ClientIdPattern().Match(clientId ?? "");
        if (!match.Success)
        {
            return Authentication.Refused(MqttConnectReasonCode.ClientIdentifierNotValid, "The client ID is not {deviceId}_0_{0|1}_{YYYYMMDDHH}.");
        }
        var deviceId = match.Groups["device"].Value;
        var timestamp = match.Groups["timestamp"].Value;
        if (ParseTimestamp(timestamp) is not { } signedAt)
        {
            return Authentication.Refused(MqttConnectReasonCode.ClientIdentifierNotValid, "The client ID's timestamp is not a time.");
        }
        if (userName != deviceId)
        {
            return BadCredentials();
        }
        var check = await CheckPasswordAsync(deviceId, match.Groups["sign"].Value == "1", timestamp, signedAt, password, cancellationToken);
        return check.Outcome switch
        {
            PasswordCheckOutcome.Accepted => new Authentication(
                new DeviceConnection(deviceId, check.Device!.ApplicationId, check.Device.DataManagement, clientId!, protocol), MqttConnectReasonCode.Success, null),
            PasswordCheckOutcome.Frozen => Authentication.Refused(MqttConnectReasonCode.NotAuthorized, "The device's application is frozen."),
            PasswordCheckOutcome.SubDevice => Authentication.Refused(MqttConnectReasonCode.NotAuthorized, "A sub-device speaks only through its gateway's connection."),
            _ => BadCredentials(),
        };
    }

    /// <summary>
    /// The check both device interfaces share: the device exists, the password is the HMAC of its secret keyed by
    /// <paramref name="timestamp"/>, and, when <paramref name="checkTime"/>, that timestamp is within the clock tolerance.
    /// </summary>
    public async Task<PasswordCheck> CheckPasswordAsync(
        string deviceId, bool checkTime, string timestamp, DateTimeOffset signedAt, ReadOnlyMemory<byte> password, CancellationToken cancellationToken)
    {
        if (checkTime && (time.GetUtcNow() - signedAt).Duration() > options.Value.ClockTolerance)
        {
            return PasswordCheck.Refused;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var device = await db.Devices.AsNoTracking()
            .Where(d => d.Id == deviceId)
            .Join(db.Applications, d => d.ApplicationId, a => a.Id, (d, a) => new { d.ApplicationId, d.ProtectedSecret, d.GatewayId, a.DataManagement, a.FrozenAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (device is null || !PasswordMatches(timestamp, Reveal(deviceId, device.ProtectedSecret), password.Span))
        {
            return PasswordCheck.Refused;
        }
        if (device.GatewayId is not null)
        {
            return new PasswordCheck(PasswordCheckOutcome.SubDevice, null);
        }
        return device.FrozenAt is not null
            ? new PasswordCheck(PasswordCheckOutcome.Frozen, null)
            : new PasswordCheck(PasswordCheckOutcome.Accepted, new DeviceIdentity(deviceId, device.ApplicationId, device.DataManagement));
    }

    /// <summary>
    /// Runs the first device lookup and loads the secret keys before devices connect, so the first CONNECT after a start
    /// does not pay for query compilation and key loading (SDKs give up on a CONNACK after a second).
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        await CheckPasswordAsync("", checkTime: false, "", DateTimeOffset.MinValue, ReadOnlyMemory<byte>.Empty, cancellationToken);
        _secrets.Unprotect(_secrets.Protect(""));
    }

    /// <summary>A sign type 0 or 1 timestamp, <c>YYYYMMDDHH</c> in UTC; null when it is not one.</summary>
    public static DateTimeOffset? ParseTimestamp(string timestamp) =>
        DateTimeOffset.TryParseExact(timestamp, TimestampFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signedAt) ? signedAt : null;

    private static bool PasswordMatches(string timestamp, string? secret, ReadOnlySpan<byte> password)
    {
        if (secret is null)
        {
            return false;
        }
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<char> hex = stackalloc char[HMACSHA256.HashSizeInBytes * 2];
        if (password.Length != hex.Length || Encoding.ASCII.GetChars(password, hex) != hex.Length
            || Convert.FromHexString(hex, given, out _, out _) != OperationStatus.Done)
        {
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp), Encoding.UTF8.GetBytes(secret));
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private string? Reveal(string deviceId, string protectedSecret)
    {
        try
        {
            return _secrets.Unprotect(protectedSecret);
        }
        catch (CryptographicException)
        {
            // Keys lost or rotated away: the device cannot be checked, so it is refused like a wrong password.
            LogUnreadableSecret(logger, deviceId);
            return null;
        }
    }

    private static Authentication BadCredentials() =>
        Authentication.Refused(MqttConnectReasonCode.BadUserNameOrPassword, "Unknown device or wrong password.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "The secret of device {DeviceId} cannot be decrypted with this node's keys.")]
    private static partial void LogUnreadableSecret(ILogger logger, string deviceId);
}
