using System.Net;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Gateway;

/// <summary>
/// What the gateway tells a trace, in plain words with a hint when a step failed. Each method returns at once for an
/// untraced device, before any text is made.
/// </summary>
internal static class GatewayTrace
{
    /// <summary>The connect and authentication steps of one CONNECT; returns the connection's serial, or null when untraced.</summary>
    public static string? Connecting(this TraceRecorder recorder, string? deviceId, EndPoint? from, Authentication authentication)
    {
        if (!recorder.IsTraced(deviceId))
        {
            return null;
        }
        var serial = recorder.NewSerial();
        recorder.Record(deviceId!, serial, TraceStep.Connect, true, $"MQTT CONNECT from {from}.");
        if (authentication.Connection is not null)
        {
            recorder.Record(deviceId!, serial, TraceStep.Authenticate, true, "Authenticated: the device ID and password match.");
        }
        else
        {
            recorder.Record(deviceId!, serial, TraceStep.Authenticate, false, $"Refused with {authentication.ReasonCode}.",
                new TraceFailure(authentication.Reason ?? authentication.ReasonCode.ToString(), AuthenticationHint(authentication.ReasonCode)));
        }
        return serial;
    }

    private static string AuthenticationHint(MqttConnectReasonCode code) => code switch
    {
        MqttConnectReasonCode.BadUserNameOrPassword =>
            "Wrong password: check the device secret, that the user name is the device ID, and the device's clock (the password is signed with the hour).",
        MqttConnectReasonCode.ClientIdentifierNotValid => "Check the client ID: {deviceId}_0_{0|1}_{YYYYMMDDHH}.",
        MqttConnectReasonCode.NotAuthorized => "The application is frozen: only the operator can unfreeze it.",
        _ => "Check the device's connection settings.",
    };

    public static void Disconnected(this TraceRecorder recorder, DeviceConnection connection, ClientDisconnectedEventArgs disconnected)
    {
        if (!recorder.IsTraced(connection.DeviceId))
        {
            return;
        }
        var serial = connection.TraceSerial ?? recorder.NewSerial();
        if (disconnected.DisconnectType == MqttClientDisconnectType.Clean)
        {
            recorder.Record(connection.DeviceId, serial, TraceStep.Disconnect, true, "The device disconnected cleanly.");
            return;
        }
        recorder.Record(connection.DeviceId, serial, TraceStep.Disconnect, false, $"Connection lost ({disconnected.DisconnectType}).",
            new TraceFailure(
                disconnected.DisconnectType == MqttClientDisconnectType.Takeover
                    ? "Another connection of the device took over."
                    : "The connection ended without a DISCONNECT.",
                "Check the device's network and keep-alive, and that no second device uses the same ID."));
    }

    /// <summary>A publish or HTTPS report the gateway refused before storing it.</summary>
    public static void Refused(this TraceRecorder recorder, DeviceIdentity device, string topic, int size, string reason)
    {
        if (recorder.IsTraced(device.DeviceId))
        {
            recorder.Record(device.DeviceId, recorder.NewSerial(), TraceStep.DataUp, false, $"Refused: {size} bytes on {topic}.",
                new TraceFailure(reason, "Check the topic, the payload format and the message rate against the device access rules."),
                new TraceExtra(Topic: topic, Size: size));
        }
    }

    /// <summary>A publish the gateway parsed and queues for storage; returns the flow's serial, or null when untraced.</summary>
    public static string? Received(this TraceRecorder recorder, IngestItem item, string topic, int size)
    {
        if (!recorder.IsTraced(item.Device.DeviceId))
        {
            return null;
        }
        if (item is CommandResponded responded)
        {
            recorder.Record(item.Device.DeviceId, responded.CommandId, TraceStep.CommandResponse, responded.Response.Succeeded,
                $"Answer to command {responded.CommandId}: result_code {responded.Response.ResultCode}.",
                responded.Response.Succeeded ? null : new TraceFailure($"The device answered result_code {responded.Response.ResultCode}.",
                    "The device ran the command and reported a failure: check the device's own log."),
                new TraceExtra(Topic: topic, Size: size));
            return responded.CommandId;
        }
        var serial = recorder.NewSerial();
        var what = item switch
        {
            PropertiesReported report => $"Properties of {report.Services.Count} service(s)",
            SubDevices.SubDevicesReported batch => $"Properties of {batch.Reports.Count} sub-device(s)",
            _ => "A message",
        };
        recorder.Record(item.Device.DeviceId, serial, TraceStep.DataUp, true, $"{what}, parsed.", extra: new TraceExtra(Topic: topic, Size: size));
        return serial;
    }

    public static void Stored(this TraceRecorder recorder, IngestItem item, string? serial)
    {
        if (serial is null)
        {
            return;
        }
        var history = item is PropertiesReported or SubDevices.SubDevicesReported && !item.Device.DataManagement ? " History is not kept: the application's data management is off." : "";
        recorder.Record(item.Device.DeviceId, serial, TraceStep.Storage, true, $"Committed and acknowledged.{history}");
        recorder.Stored(item.Device.DeviceId, serial, item.Event?.Id);
    }

    public static void NotStored(this TraceRecorder recorder, IngestItem item, string? serial, Exception error)
    {
        if (serial is not null)
        {
            recorder.Record(item.Device.DeviceId, serial, TraceStep.Storage, false, "Not committed; the device was told to send it again.",
                new TraceFailure(error.Message, "The database refused or failed the write: check the server's log and the database."));
        }
    }

    public static void CommandDelivered(this TraceRecorder recorder, string deviceId, string commandId)
    {
        if (recorder.IsTraced(deviceId))
        {
            recorder.Record(deviceId, commandId, TraceStep.CommandDown, true, $"Command {commandId} acknowledged by the device: DELIVERED.");
        }
    }

    public static void CommandPublished(this TraceRecorder recorder, DeviceCommand command, string topic)
    {
        if (recorder.IsTraced(command.DeviceId))
        {
            recorder.Record(command.DeviceId, command.Id, TraceStep.CommandDown, true,
                $"Command {command.Id} ({command.Method}) published, attempt {command.IssuedTimes}: SENT.", extra: new TraceExtra(Topic: topic));
        }
    }

    public static void CommandOverdue(this TraceRecorder recorder, DeviceCommand command)
    {
        if (recorder.IsTraced(command.DeviceId))
        {
            var expired = command.Status == DeviceCommandStatus.Expired;
            recorder.Record(command.DeviceId, command.Id, TraceStep.CommandDown, false, $"Command {command.Id}: {command.Status.ToString().ToUpperInvariant()}.",
                expired
                    ? new TraceFailure("The command was not delivered before it expired.", "The device was offline or did not subscribe to its command topic.")
                    : new TraceFailure("The device did not answer the command in time.", "The device received it but sent no response: check the device's command handler."));
        }
    }

    public static void MessageDown(this TraceRecorder recorder, string deviceId, string topic, int size, bool published)
    {
        if (!recorder.IsTraced(deviceId))
        {
            return;
        }
        var serial = recorder.NewSerial();
        if (published)
        {
            recorder.Record(deviceId, serial, TraceStep.MessageDown, true, "Message published to the device.", extra: new TraceExtra(Topic: topic, Size: size));
        }
        else
        {
            recorder.Record(deviceId, serial, TraceStep.MessageDown, false, "Message not sent.",
                new TraceFailure("The device is not connected.", "Messages down reach only a connected device: check that it is online."),
                new TraceExtra(Topic: topic, Size: size));
        }
    }
}
