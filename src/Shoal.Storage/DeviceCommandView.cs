using System.Globalization;
using System.Text;
using System.Text.Json;
using Shoal.Storage.Entities;

namespace Shoal.Storage;

/// <summary>
/// A command as the northbound API shows it, in the reference platform's shape. The API answers with it and every
/// state change logs it as a <see cref="DeviceEventType.CommandStateChanged"/> event, so a push says what a query says.
/// </summary>
public static class DeviceCommandView
{
    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string Json(DeviceCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, command);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The event that logs the command's current state, to be added in the transaction that changed it.</summary>
    public static DeviceEvent StateChanged(DeviceCommand command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new DeviceEvent
        {
            ApplicationId = command.ApplicationId,
            DeviceId = command.DeviceId,
            Type = DeviceEventType.CommandStateChanged,
            Payload = Json(command),
            CreatedAt = now,
        };
    }

    public static void Write(Utf8JsonWriter json, DeviceCommand command)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(command);
        json.WriteStartObject();
        json.WriteString("commandId", command.Id);
        json.WriteString("appId", command.ApplicationId);
        if (command.IssuerId is not null)
        {
            json.WriteString("issuerAppId", command.IssuerId);
        }
        json.WriteString("deviceId", command.DeviceId);
        json.WriteStartObject("command");
        json.WriteString("serviceId", command.ServiceId);
        json.WriteString("method", command.Method);
        json.WritePropertyName("paras");
        json.WriteRawValue(command.Paras, skipInputValidation: true);
        json.WriteEndObject();
        if (command.CallbackUrl is not null)
        {
            json.WriteString("callbackUrl", command.CallbackUrl);
        }
        json.WriteNumber("expireTime", command.ExpireTime);
        json.WriteString("status", Status(command.Status));
        if (command.Result is not null)
        {
            WriteResult(json, command);
        }
        json.WriteString("creationTime", Time(command.CreatedAt));
        WriteTime(json, "executeTime", command.CompletedAt);
        WriteTime(json, "platformIssuedTime", command.SentAt);
        WriteTime(json, "deliveredTime", command.DeliveredAt);
        json.WriteNumber("issuedTimes", command.IssuedTimes);
        json.WriteNumber("maxRetransmit", command.MaxRetransmit);
        json.WriteEndObject();
    }

    /// <summary>The upper-case state name of the reference platform: PENDING, SENT, DELIVERED, ….</summary>
    public static string Status(DeviceCommandStatus status) => status.ToString().ToUpperInvariant();

    /// <summary><c>{"resultCode","resultDetail"}</c>: the outcome, and the parameters of the device's response.</summary>
    private static void WriteResult(Utf8JsonWriter json, DeviceCommand command)
    {
        using var response = JsonDocument.Parse(command.Result!);
        json.WriteStartObject("result");
        json.WriteString("resultCode", Status(command.Status));
        if (response.RootElement.TryGetProperty("response_name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            json.WriteString("responseName", name.GetString());
        }
        if (response.RootElement.TryGetProperty("paras", out var paras))
        {
            json.WritePropertyName("resultDetail");
            paras.WriteTo(json);
        }
        json.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            json.WriteString(name, Time(time));
        }
    }

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);
}
