using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using Shoal.Server.Tests.Gateway;

namespace Shoal.Server.Tests.Commands;

/// <summary>A connected device that subscribed to its commands, as a device SDK does, and keeps what arrives.</summary>
public sealed class CommandInbox : IDisposable
{
    private readonly Channel<MqttApplicationMessage> _received = Channel.CreateUnbounded<MqttApplicationMessage>();

    private CommandInbox(IMqttClient client, TestDevice device)
    {
        Client = client;
        Device = device;
    }

    public IMqttClient Client { get; }
    public TestDevice Device { get; }

    /// <summary>Connects <paramref name="device"/> and subscribes to its commands; <paramref name="acknowledge"/> false never sends a PUBACK.</summary>
    public static async Task<CommandInbox> ConnectAsync<TDatabase>(GatewayApplication<TDatabase> shoal, TestDevice device, bool acknowledge = true)
        where TDatabase : Infrastructure.ITestDatabase, new()
    {
        var inbox = new CommandInbox(await shoal.ConnectAsync(device), device);
        inbox.Client.ApplicationMessageReceivedAsync += received =>
        {
            received.AutoAcknowledge = acknowledge;
            inbox._received.Writer.TryWrite(received.ApplicationMessage);
            return Task.CompletedTask;
        };
        await inbox.Client.SubscribeAsync(device.Topic("sys/commands/#"), MqttQualityOfServiceLevel.AtLeastOnce);
        return inbox;
    }

    /// <summary>The next message the gateway published to the device: its topic and its payload as text.</summary>
    public async Task<(string Topic, string Payload)> NextAsync()
    {
        var message = await _received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return (message.Topic, Encoding.UTF8.GetString(message.Payload));
    }

    public Task<MqttClientPublishResult> RespondAsync(string commandId, string json) =>
        Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Device.Topic($"sys/commands/response/request_id={commandId}"))
            .WithPayload(json)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    public void Dispose() => Client.Dispose();
}
