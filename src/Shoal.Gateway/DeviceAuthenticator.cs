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
        if (!DateTimeOffset.TryParseExact(timestamp, TimestampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signedAt))
        {
            return Authentication.Refused(MqttConnectReasonCode.ClientIdentifierNotValid, "The client ID's timestamp is not a time.");
        }
        if (userName != deviceId)
        {
            return BadCredentials();
        }
        if (match.Groups["sign"].Value == "1" && (time.GetUtcNow() - signedAt).Duration() > options.Value.ClockTolerance)
        {
            return BadCredentials();
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var device = await db.Devices.AsNoTracking()
            .Where(d => d.Id == deviceId)
            .Join(db.Applications, d => d.ApplicationId, a => a.Id, (d, a) => new { d.ApplicationId, d.ProtectedSecret, d.GatewayId, a.DataManagement, a.FrozenAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (device is null || !PasswordMatches(timestamp, Reveal(deviceId, device.ProtectedSecret), password.Span))
        {
            return BadCredentials();
        }
        if (device.GatewayId is not null)
        {
            return Authentication.Refused(MqttConnectReasonCode.NotAuthorized, "A sub-device speaks only through its gateway's connection.");
        }
        if (device.FrozenAt is not null)
        {
            return Authentication.Refused(MqttConnectReasonCode.NotAuthorized, "The device's application is frozen.");
        }
        return new Authentication(new DeviceConnection(deviceId, device.ApplicationId, device.DataManagement, clientId!, protocol), MqttConnectReasonCode.Success, null);
    }

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
