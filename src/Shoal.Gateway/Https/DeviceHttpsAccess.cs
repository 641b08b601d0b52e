using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shoal.Gateway.SubDevices;
using Shoal.Storage.Tracing;

namespace Shoal.Gateway.Https;

/// <summary>
/// What HTTPS device requests do. A report goes through the same ingest as an MQTT publish, with the same limits, and
/// the 200 comes only once it is committed; each refusal stores nothing.
/// </summary>
internal sealed partial class DeviceHttpsAccess(
    DeviceAuthenticator authenticator, DeviceTokens tokens, DeviceRequestRate rate, IngestQueue queue, TraceRecorder recorder, LastSeenWriter lastSeen,
    SubDeviceRegistry subDevices,
    IOptions<GatewayOptions> options, TimeProvider time, ILogger<DeviceHttpsAccess> logger)
{
    public const string AccessTokenHeader = "access_token";

    /// <summary>A report's body as read: how to make its ingest item for the device, or why the body is refused.</summary>
    public sealed record ReportReading(Func<DeviceIdentity, IngestItem>? Item, string? Refusal = null);

    /// <summary>How one kind of report reads its body.</summary>
    public sealed record Report(Func<byte[], GatewayOptions, DateTimeOffset, ReportReading> Read);

    /// <summary>Most sub-devices in one batch report over HTTPS, as on the reference platform.</summary>
    public const int MaxSubDevicesPerReport = 50;

    public static readonly Report PropertiesReport = new((body, settings, now) =>
        Gateway.PropertiesReport.Parse(new ReadOnlySequence<byte>(body), now, settings.MaxServicesPerReport, settings.ClockTolerance) is { } services
            ? new(device => new PropertiesReported(device, now, services))
            : new(null, """The report is not {"services":[{"service_id","properties":{...}}]}""" + $" with 1 to {settings.MaxServicesPerReport} services, or it is not UTF-8 JSON."));

    public static readonly Report MessageUp = new((body, _, now) =>
    {
        var payload = DeviceMessage.EventPayload(new ReadOnlySequence<byte>(body), topic: null);
        return new(device => new MessageUp(device, now, payload));
    });

    public static readonly Report SubDevicesReport = new((body, settings, now) =>
    {
        var batch = SubDeviceReports.Parse(new ReadOnlySequence<byte>(body), now, MaxSubDevicesPerReport, settings.MaxServicesPerReport, settings.ClockTolerance);
        return batch.Refusal is null ? new(gateway => new SubDevicesReported(gateway, now, batch.Reports)) : new(null, batch.Refusal);
    });

    public async Task<Results<Ok<AccessTokenResponse>, JsonHttpResult<DeviceHttpsError>>> AuthenticateAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var body = await ReadBodyAsync(request, settings.MaxPayloadBytes, cancellationToken);
        if (body is null)
        {
            return DeviceHttpsError.TooLarge(settings.MaxPayloadBytes);
        }
        if (DeviceAuthRequest.Parse(body) is not { } auth)
        {
            return DeviceHttpsError.InvalidInput(DeviceAuthRequest.Expected);
        }
        var check = await authenticator.CheckPasswordAsync(auth.DeviceId, auth.CheckTime, auth.Timestamp, auth.SignedAt, auth.Password, cancellationToken);
        if (check.Device is not { } device)
        {
            LogAuthenticationRefused(logger, auth.DeviceId, check.Outcome);
            return check.Outcome == PasswordCheckOutcome.Frozen ? DeviceHttpsError.Frozen() : DeviceHttpsError.AuthenticationFailed();
        }
        try
        {
            // Activated (with its events) before it holds a token, as an MQTT device is before its CONNACK.
            await queue.StoreAsync(new DeviceAuthenticated(device, time.GetUtcNow()), cancellationToken);
            var issued = await tokens.IssueAsync(device.DeviceId, cancellationToken);
            LogAuthenticated(logger, device.DeviceId);
            return TypedResults.Ok(new AccessTokenResponse(issued.AccessToken, (long)issued.ExpiresIn.TotalSeconds));
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogNotStored(logger, device.DeviceId, error);
            return DeviceHttpsError.NotStored();
        }
    }

    public async Task<Results<Ok, JsonHttpResult<DeviceHttpsError>>> ReceiveAsync(
        string deviceId, HttpRequest request, Report report, CancellationToken cancellationToken)
    {
        var device = await tokens.FindAsync(request.Headers[AccessTokenHeader], cancellationToken);
        if (device is null || device.DeviceId != deviceId)
        {
            LogTokenRefused(logger, deviceId, request.Path);
            return DeviceHttpsError.InvalidToken();
        }
        var settings = options.Value;
        var path = request.Path.ToString();
        if (!rate.TryTake(device.DeviceId))
        {
            return Refused(device, path, (int)(request.ContentLength ?? 0), $"More than {settings.MaxMessagesPerSecondPerDevice} messages in a second.",
                DeviceHttpsError.RateLimited());
        }
        var body = await ReadBodyAsync(request, settings.MaxPayloadBytes, cancellationToken);
        if (body is null)
        {
            return Refused(device, path, (int)(request.ContentLength ?? 0), $"The body is larger than {settings.MaxPayloadBytes} bytes.",
                DeviceHttpsError.TooLarge(settings.MaxPayloadBytes));
        }
        var reading = report.Read(body, settings, time.GetUtcNow());
        if (reading.Item is not { } newItem)
        {
            return Refused(device, path, body.Length, reading.Refusal!, DeviceHttpsError.InvalidInput(reading.Refusal!));
        }

        var item = newItem(device);
        if (item is SubDevicesReported batch)
        {
            List<string> foreign;
            try
            {
                foreign = await subDevices.NotSubDevicesOfAsync(device, [.. batch.Reports.Select(r => r.DeviceId).Distinct()], cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogNotStored(logger, device.DeviceId, error);
                return DeviceHttpsError.NotStored();
            }
            if (foreign.Count > 0)
            {
                return Refused(device, path, body.Length, $"Not sub-devices of {device.DeviceId}: {string.Join(", ", foreign.Take(10))}; nothing was stored.",
                    DeviceHttpsError.NotSubDevices());
            }
        }
        var serial = recorder.Received(item, path, body.Length);
        try
        {
            await queue.StoreAsync(item, cancellationToken);
            recorder.Stored(item, serial);
            lastSeen.Note(device, item.ReceivedAt);
            return TypedResults.Ok();
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            recorder.NotStored(item, serial, error);
            LogNotStored(logger, device.DeviceId, error);
            return DeviceHttpsError.NotStored();
        }
    }

    private JsonHttpResult<DeviceHttpsError> Refused(DeviceIdentity device, string path, int size, string reason, JsonHttpResult<DeviceHttpsError> answer)
    {
        recorder.Refused(device, path, size, reason);
        LogReportRefused(logger, device.DeviceId, path, reason);
        return answer;
    }

    /// <summary>The whole body, or null when it is larger than <paramref name="limit"/>; reading stops there.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (read.Buffer.Length > limit)
            {
                reader.AdvanceTo(read.Buffer.End);
                return null;
            }
            if (read.IsCompleted)
            {
                var body = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return body;
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTPS device authentication of {DeviceId} refused ({Outcome}).")]
    private static partial void LogAuthenticationRefused(ILogger logger, string deviceId, PasswordCheckOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} authenticated over HTTPS.")]
    private static partial void LogAuthenticated(ILogger logger, string deviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTPS request for device {DeviceId} on {Path} refused: no valid access token of that device.")]
    private static partial void LogTokenRefused(ILogger logger, string deviceId, PathString path);

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTPS report of device {DeviceId} on {Path} refused: {Reason}")]
    private static partial void LogReportRefused(ILogger logger, string deviceId, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "What device {DeviceId} sent over HTTPS could not be stored.")]
    private static partial void LogNotStored(ILogger logger, string deviceId, Exception error);
}
