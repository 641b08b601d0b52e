using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

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
/// The device's credentials come from <see cref="DeviceCredentials"/>, which a secret reset, a deletion or a change to
/// its application voids at once, so such a change counts from the next connect.
/// </summary>
internal sealed partial class DeviceAuthenticator(DeviceCredentials credentials, IOptions<GatewayOptions> options, TimeProvider time)
{
    private const string TimestampFormat = "yyyyMMddHH";

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

        var device = await credentials.GetAsync(deviceId, cancellationToken);
        if (device is null || !PasswordMatches(timestamp, device.Secret, password.Span))
        {
            return PasswordCheck.Refused;
        }
        if (device.GatewayId is not null)
        {
            return new PasswordCheck(PasswordCheckOutcome.SubDevice, null);
        }
        return device.Frozen
            ? new PasswordCheck(PasswordCheckOutcome.Frozen, null)
            : new PasswordCheck(PasswordCheckOutcome.Accepted, new DeviceIdentity(deviceId, device.ApplicationId, device.DataManagement));
    }

    /// <summary>
    /// Runs the first device lookup and loads the secret keys before devices connect, so the first CONNECT after a start
    /// does not pay for query compilation and key loading (SDKs give up on a CONNACK after a second).
    /// </summary>
    public Task WarmUpAsync(CancellationToken cancellationToken) => credentials.WarmUpAsync(cancellationToken);

    /// <summary>A sign type 0 or 1 timestamp, <c>YYYYMMDDHH</c> in UTC; null when it is not one.</summary>
    public static DateTimeOffset? ParseTimestamp(string timestamp) =>
        DateTimeOffset.TryParseExact(timestamp, TimestampFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signedAt) ? signedAt : null;

    /// <summary>Whether <paramref name="password"/> is the lowercase hex HMAC-SHA256 keyed by <paramref name="timestamp"/> over <paramref name="secret"/>.</summary>
    private static bool PasswordMatches(string timestamp, byte[]? secret, ReadOnlySpan<byte> password)
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
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp), secret, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private static Authentication BadCredentials() =>
        Authentication.Refused(MqttConnectReasonCode.BadUserNameOrPassword, "Unknown device or wrong password.");
}
