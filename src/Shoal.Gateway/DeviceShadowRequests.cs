using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using Shoal.Storage;

namespace Shoal.Gateway;

/// <summary>What to publish in answer to a shadow request, or why the request is refused.</summary>
internal sealed record ShadowAnswer(string Topic, byte[] Payload, string? Refusal = null, MqttPubAckReasonCode RefusalCode = MqttPubAckReasonCode.Success)
{
    public static ShadowAnswer Refused(MqttPubAckReasonCode code, string reason) => new("", [], reason, code);
}

/// <summary>
/// Answers a device that asks for its shadow on <c>sys/shadow/get/request_id={id}</c>: on
/// <c>sys/shadow/get/response/request_id={id}</c>, with <c>{"object_device_id","shadow":[...]}</c>. The SDKs read the
/// <c>shadow</c> array without looking, so it is always there, empty when there is nothing to tell.
/// </summary>
internal sealed partial class DeviceShadowRequests(IServiceScopeFactory scopes, ILogger<DeviceShadowRequests> logger)
{
    public const string ExpectedRequest = """The shadow request is not {"object_device_id","service_id"}, both optional strings.""";

    public async Task<ShadowAnswer> AnswerAsync(string deviceId, string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (!TryReadRequest(payload, out var objectDeviceId, out var serviceId))
        {
            return ShadowAnswer.Refused(MqttPubAckReasonCode.PayloadFormatInvalid, ExpectedRequest);
        }
        var target = objectDeviceId ?? deviceId;
        List<ServiceShadow> services = [];
        // A device reads only its own shadow: another ID gets an empty one, as an unknown device would.
        if (target == deviceId)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                services = await DeviceShadowView.ReadAsync(scope.ServiceProvider.GetRequiredService<ShoalDb>(), deviceId, serviceId, cancellationToken);
                // The reference knows every service from the product model; a named service without values yet is empty, not absent.
                if (serviceId is not null && services.Count == 0)
                {
                    services.Add(new ServiceShadow(serviceId, null, null, null, null, 0));
                }
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogNotRead(logger, deviceId, error);
                return ShadowAnswer.Refused(MqttPubAckReasonCode.ImplementationSpecificError, "The shadow could not be read; ask again.");
            }
        }
        return new ShadowAnswer(TopicPolicy.ShadowGetResponse(deviceId, TopicPolicy.ShadowRequestId(deviceId, topic)!), Write(target, services));
    }

    /// <summary>
    /// An empty payload, <c>{}</c>, empty strings and JSON nulls all ask for the whole shadow of the device itself: the
    /// SDKs send each of them.
    /// </summary>
    private static bool TryReadRequest(ReadOnlySequence<byte> payload, out string? objectDeviceId, out string? serviceId)
    {
        objectDeviceId = serviceId = null;
        if (payload.IsEmpty)
        {
            return true;
        }
        using var document = DeviceJson.Parse(payload);
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } request)
        {
            return false;
        }
        return TryReadText(request, "object_device_id", out objectDeviceId) && TryReadText(request, "service_id", out serviceId);
    }

    private static bool TryReadText(JsonElement request, string name, out string? value)
    {
        value = null;
        if (!request.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (field.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        value = field.GetString() is { Length: > 0 } text ? text : null;
        return true;
    }

    private static byte[] Write(string deviceId, List<ServiceShadow> services)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("object_device_id", deviceId);
            json.WriteStartArray("shadow");
            foreach (var service in services)
            {
                json.WriteStartObject();
                json.WriteString("service_id", service.ServiceId);
                WriteSide(json, "desired", service.Desired, service.DesiredAt);
                WriteSide(json, "reported", service.Reported, service.ReportedAt);
                json.WriteNumber("version", service.Version);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary><c>{"properties":{...},"event_time"}</c>; a side with no value has empty properties and no time.</summary>
    private static void WriteSide(Utf8JsonWriter json, string name, string? properties, DateTimeOffset? at)
    {
        json.WriteStartObject(name);
        json.WritePropertyName("properties");
        json.WriteRawValue(properties ?? "{}");
        if (at is { } time)
        {
            json.WriteString("event_time", time.UtcDateTime.ToString(PropertiesReport.EventTimeFormat, CultureInfo.InvariantCulture));
        }
        json.WriteEndObject();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The shadow of device {DeviceId} could not be read for its request.")]
    private static partial void LogNotRead(ILogger logger, string deviceId, Exception error);
}
