using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// A connected device that keeps what the gateway publishes to it. Like the reference platform's SDKs it subscribes
/// to nothing unless told to: its system downlink reaches it all the same.
/// </summary>
public sealed class DeviceInbox : IDisposable
{
    private readonly Channel<MqttApplicationMessage> _received = Channel.CreateUnbounded<MqttApplicationMessage>();

    private DeviceInbox(TestDevice device) => Device = device;

    public IMqttClient Client { get; private set; } = null!;
    public TestDevice Device { get; }

    /// <summary>
    /// Connects <paramref name="device"/>, listening before CONNACK, and subscribes to <paramref name="topics"/> under its
    /// own prefix when given; <paramref name="acknowledge"/> false never sends a PUBACK.
    /// </summary>
    public static async Task<DeviceInbox> ConnectAsync<TDatabase>(
        GatewayApplication<TDatabase> shoal, TestDevice device, bool acknowledge = true, string? topics = null,
        MqttProtocolVersion protocol = MqttProtocolVersion.V500)
        where TDatabase : Infrastructure.ITestDatabase, new()
    {
        var inbox = new DeviceInbox(device);
        inbox.Client = await shoal.ConnectAsync(device, protocol, client => client.ApplicationMessageReceivedAsync += received =>
        {
            received.AutoAcknowledge = acknowledge;
            inbox._received.Writer.TryWrite(received.ApplicationMessage);
            return Task.CompletedTask;
        });
        if (topics is not null)
        {
            await inbox.Client.SubscribeAsync(device.Topic(topics), MqttQualityOfServiceLevel.AtLeastOnce);
        }
        return inbox;
    }

    /// <summary>The next message the gateway published to the device: its topic and its payload as text.</summary>
    public async Task<(string Topic, string Payload)> NextAsync()
    {
        var message = await _received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));
        return (message.Topic, Encoding.UTF8.GetString(message.Payload));
    }

    public Task<MqttClientPublishResult> RespondAsync(string commandId, string json) => PublishAsync($"sys/commands/response/request_id={commandId}", json);

    public Task<MqttClientPublishResult> PublishAsync(string topic, string json) =>
        Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Device.Topic(topic))
            .WithPayload(json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    public void Dispose() => Client.Dispose();
}
