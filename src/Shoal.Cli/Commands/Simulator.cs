using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using static Shoal.Cli.Commands.Symbols;

namespace Shoal.Cli.Commands;

/// <summary>
/// <c>device simulate</c>: connects as the device over MQTT with the device authentication of docs/device-interface.md,
/// reports properties at a steady rate, and answers every command and property request with success.
/// </summary>
internal static class Simulator
{
    public static Command Build(CommandFactory cli)
    {
        var device = new Argument<string?>("DEVICE") { Description = "The device ID to connect as (with --secret).", Arity = ArgumentArity.ZeroOrOne };
        var secret = Option<string?>("--secret", "The device secret shown at registration.");
        var app = Option<string?>("--app", "Instead of DEVICE and --secret: register a new device in this application (with --node-id) and connect as it.");
        var nodeId = Option<string?>("--node-id", "With --app: the new device's node ID, unique in the application.");
        var rate = Option<double>("--rate", "Reports per second (0.1 is one every ten seconds; default 1).");
        rate.DefaultValueFactory = _ => 1;
        var count = Option<int?>("--count", "Stop after this many reports (default: until Ctrl+C).");
        var mqtt = Option<string?>("--mqtt", "The gateway: mqtt://host:1883 or mqtts://host:8883 (default: the profile's server host, port 1883).");
        var service = Option<string>("--service", "The service ID of the reports (default 'Simulated').");
        service.DefaultValueFactory = _ => "Simulated";
        var insecure = Option<bool>("--insecure", "With mqtts://, accept any server certificate.");
        var simulate = cli.Command("simulate", "Connects as a device (or registers a new one first), reports at a given rate and answers commands.", async (run, cancellationToken) =>
        {
            if (run.Value(rate) is <= 0 or double.NaN)
            {
                throw new CliException(ExitCodes.Usage, "--rate must be a positive number of reports per second.");
            }
            if (run.Value(count) is < 1)
            {
                throw new CliException(ExitCodes.Usage, "--count must be 1 or more reports.");
            }
            var gateway = Gateway(run, run.Value(mqtt));
            using var output = new SemaphoreSlim(1);
            var (deviceId, deviceSecret) = (run.Value(device), run.Value(secret), run.Value(app), run.Value(nodeId)) switch
            {
                ({ } id, { } given, null, null) => (id, given),
                (null, null, { } appId, { } node) => await RegisterAsync(run, output, appId, node, cancellationToken),
                _ => throw new CliException(ExitCodes.Usage, "Give either DEVICE and --secret, or --app and --node-id to register a new device."),
            };
            return await RunAsync(run, output, deviceId, deviceSecret, gateway, run.Value(insecure), run.Value(rate), run.Value(count), run.Value(service), cancellationToken);
        }, device, secret, app, nodeId, rate, count, mqtt, service, insecure);
        return CommandFactory.Group("device", "Acting as a device.", simulate);
    }

    /// <summary>Registers the device through the management API and tells its ID and secret, which are shown only here.</summary>
    private static async Task<(string, string)> RegisterAsync(Invocation run, SemaphoreSlim output, string app, string nodeId, CancellationToken cancellationToken)
    {
        using var api = run.Api();
        var registered = (await api.PostAsync(DeviceCommands.Path(app), new { nodeId }, cancellationToken))!.Value;
        var deviceId = registered.GetProperty("device").GetProperty("id").GetString()!;
        var secret = registered.GetProperty("secret").GetString()!;
        await WriteAsync(run, output, new { @event = "registered", applicationId = app, deviceId, nodeId, secret });
        return (deviceId, secret);
    }

    private static Uri Gateway(Invocation run, string? address)
    {
        if (address is null)
        {
            return new Uri($"mqtt://{new Uri(run.Profile.Server).Host}:1883");
        }
        return Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "mqtt" or "mqtts"
            ? uri
            : throw new CliException(ExitCodes.Usage, $"'{address}' is not a gateway address: give one like mqtt://host:1883.");
    }

    private static async Task<int> RunAsync(
        Invocation run, SemaphoreSlim output, string deviceId, string secret, Uri gateway, bool insecure, double rate, int? count, string service, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var prefix = $"$oc/devices/{deviceId}/sys/";
        client.ApplicationMessageReceivedAsync += async e =>
        {
            var topic = e.ApplicationMessage.Topic;
            var requestId = topic[(topic.LastIndexOf('=') + 1)..];
            var (kind, answerTopic, answer) = topic switch
            {
                _ when topic.StartsWith(prefix + "commands/request_id=", StringComparison.Ordinal) =>
                    ("command", $"{prefix}commands/response/request_id={requestId}", (object)new { result_code = 0, response_name = "COMMAND_RESPONSE", paras = new { result = "ok" } }),
                _ when topic.StartsWith(prefix + "properties/set/request_id=", StringComparison.Ordinal) =>
                    ("properties set", $"{prefix}properties/set/response/request_id={requestId}", new { result_code = 0, result_desc = "success" }),
                _ => ("message", null, null!),
            };
            if (answerTopic is not null)
            {
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(answerTopic)
                    .WithPayload(JsonSerializer.SerializeToUtf8Bytes(answer)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
            }
            await WriteAsync(run, output, new { @event = "received", kind, topic, payload = Encoding.UTF8.GetString(e.ApplicationMessage.Payload), answered = answerTopic is not null });
        };

        var timestamp = DateTime.UtcNow.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(gateway.Host, gateway.IsDefaultPort ? (gateway.Scheme == "mqtts" ? 8883 : 1883) : gateway.Port)
            .WithClientId($"{deviceId}_0_1_{timestamp}")
            .WithCredentials(deviceId, Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp), Encoding.UTF8.GetBytes(secret))))
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(30));
        if (gateway.Scheme == "mqtts")
        {
            builder = builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (insecure)
                {
                    tls.WithCertificateValidationHandler(_ => true);
                }
            });
        }
        MqttClientConnectResult connected;
        try
        {
            connected = await client.ConnectAsync(builder.Build(), cancellationToken);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException e) when (e is not MQTTnet.Adapter.MqttConnectingFailedException)
        {
            throw new CliException(ExitCodes.Unavailable, $"Cannot reach the gateway at {gateway}: {e.Message}");
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e)
        {
            throw new CliException(ExitCodes.Auth, $"The gateway refused the device {deviceId}: {e.Message}. Check the device ID and secret.");
        }
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new CliException(ExitCodes.Auth, $"The gateway refused the device {deviceId}: {connected.ResultCode}. Check the device ID and secret.");
        }
        await WriteAsync(run, output, new { @event = "connected", deviceId, gateway = gateway.ToString() });

        var interval = TimeSpan.FromSeconds(1 / rate);
        using var timer = new PeriodicTimer(interval);
        var sent = 0;
        try
        {
            do
            {
                sent++;
                var properties = new { counter = sent, temperature = Math.Round(20 + (5 * Math.Sin(sent / 10.0)), 2) };
                var report = new { services = new[] { new { service_id = service, properties } } };
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(prefix + "properties/report")
                    .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
                await WriteAsync(run, output, new { @event = "reported", serviceId = service, properties });
            }
            while ((count is null || sent < count) && await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C may land mid-publish, which MQTTnet reports in more than one way: either way it is a stop.
        }
        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
        }
        return ExitCodes.Ok;
    }

    /// <summary>One line per event: JSON lines for scripts, plain words for people.</summary>
    private static async Task WriteAsync(Invocation run, SemaphoreSlim output, object line)
    {
        await output.WaitAsync();
        try
        {
            var json = JsonSerializer.Serialize(line, JsonSerializerOptions.Web);
            if (run.Json)
            {
                await run.Console.Out.WriteLineAsync(json);
            }
            else
            {
                using var document = JsonDocument.Parse(json);
                var words = string.Join(" ", document.RootElement.EnumerateObject().Select(p => $"{p.Name}={(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}"));
                await run.Console.Out.WriteLineAsync($"{DateTimeOffset.UtcNow:HH:mm:ss} {words}");
            }
        }
        finally
        {
            output.Release();
        }
    }
}
