using System.Globalization;
using Shoal.Coap.Lwm2m;
using Shoal.Coap.Protocol;
using Shoal.Storage.Entities;
using Shoal.Storage.Tracing;

namespace Shoal.Gateway.Coap;

/// <summary>
/// What an LwM2M device's session tells a trace, in the words <see cref="GatewayTrace"/> uses for MQTT. Each method
/// returns at once for an untraced device.
/// </summary>
internal static class CoapTrace
{
    /// <summary>The connect and authentication steps of a registration; returns the session's serial, or null when untraced.</summary>
    public static string? Registered(this TraceRecorder recorder, Lwm2mRegistration registration)
    {
        var deviceId = registration.Device.DeviceId;
        if (!recorder.IsTraced(deviceId))
        {
            return null;
        }
        var serial = recorder.NewSerial();
        var transport = registration.Peer.Identity is null ? "CoAP" : "CoAP over DTLS";
        var queueMode = registration.QueueMode ? ", in queue mode" : "";
        recorder.Record(deviceId, serial, TraceStep.Connect, true, string.Create(CultureInfo.InvariantCulture,
            $"LwM2M registration of {registration.EndpointName} from {registration.Peer.EndPoint} over {transport}, lifetime {registration.Lifetime.TotalSeconds:0} s{queueMode}."));
        recorder.Record(deviceId, serial, TraceStep.Authenticate, true, registration.Peer.Identity is null
            ? "Known by its endpoint name: plain CoAP carries no credential."
            : "Authenticated: the DTLS handshake proved the device's PSK.");
        return serial;
    }

    public static void Deregistered(this TraceRecorder recorder, DeviceConnection connection, bool lapsed)
    {
        if (!recorder.IsTraced(connection.DeviceId))
        {
            return;
        }
        var serial = connection.TraceSerial ?? recorder.NewSerial();
        if (!lapsed)
        {
            recorder.Record(connection.DeviceId, serial, TraceStep.Disconnect, true, "The device de-registered.");
            return;
        }
        recorder.Record(connection.DeviceId, serial, TraceStep.Disconnect, false, "Registration ended.",
            new TraceFailure("Its LwM2M registration lifetime ran out without an update.",
                "Check the device's network, and that it sends a registration update before its lifetime runs out."));
    }

    public static void CommandWritten(this TraceRecorder recorder, DeviceCommand command, CoapCode code)
    {
        if (!recorder.IsTraced(command.DeviceId))
        {
            return;
        }
        var path = "/" + Lwm2mServer.CommandPath;
        if (code.IsSuccess)
        {
            recorder.Record(command.DeviceId, command.Id, TraceStep.CommandDown, true,
                $"Command {command.Id} ({command.Method}) written, attempt {command.IssuedTimes}: the device answered {code}, DELIVERED.", extra: new TraceExtra(Topic: path));
            return;
        }
        recorder.Record(command.DeviceId, command.Id, TraceStep.CommandDown, false, $"Command {command.Id} ({command.Method}) refused with {code}.",
            new TraceFailure($"The device answered the write of {path} with {code}.", "Check that the device's LwM2M client holds object 19 and lets it be written."),
            new TraceExtra(Topic: path));
    }

    /// <summary>A write that got no answer, or a command that cannot be encoded for the device.</summary>
    public static void CommandNotWritten(this TraceRecorder recorder, DeviceCommand command, string reason, string hint)
    {
        if (recorder.IsTraced(command.DeviceId))
        {
            recorder.Record(command.DeviceId, command.Id, TraceStep.CommandDown, false, $"Command {command.Id} ({command.Method}) not written.",
                new TraceFailure(reason, hint), new TraceExtra(Topic: "/" + Lwm2mServer.CommandPath));
        }
    }
}
