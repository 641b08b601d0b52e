using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Live;

/// <summary>The owner's live view of an application's devices: server-sent events from the event log.</summary>
public abstract class LiveApiTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Report = """{"services":[{"service_id":"Meter","properties":{"kwh":7}}]}""";

    [Fact]
    public async Task Live_DeviceReports_TheReportArrivesAsAnEvent()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await using var live = await LiveStream.OpenAsync(app, "");
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var (type, data) = await live.NextAsync(e => e.EventType == "report");
        Assert.Equal("report", type);
        Assert.Equal(("report", device.Id), (data.GetProperty("type").GetString(), data.GetProperty("deviceId").GetString()));
        var service = data.GetProperty("data").GetProperty("services")[0];
        Assert.Equal(("Meter", 7), (service.GetProperty("serviceId").GetString(), service.GetProperty("data").GetProperty("kwh").GetInt32()));
    }

    [Fact]
    public async Task Live_FilteredByDeviceAndType_ShowsNothingElse()
    {
        var (app, watched) = await shoal.NewDeviceAsync();
        var other = await shoal.RegisterAsync(app.Na, $"node-{Guid.NewGuid():N}");
        await using var live = await LiveStream.OpenAsync(app, $"?deviceId={watched.Id}&types=message");
        using var watchedClient = await shoal.ConnectAsync(watched);
        using var otherClient = await shoal.ConnectAsync(other);

        await MessageAsync(otherClient, other, """{"n":1}""");
        await watchedClient.ReportAsync(watched, Report);
        await MessageAsync(watchedClient, watched, """{"n":2}""");

        var (type, data) = await live.NextAsync(_ => true);
        Assert.Equal(("message", watched.Id), (type, data.GetProperty("deviceId").GetString()));
        Assert.Equal(2, data.GetProperty("data").GetProperty("message").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Live_AnotherUsersApplication_Answers404()
    {
        var (app, _) = await shoal.NewDeviceAsync();
        var (intruder, _) = await shoal.NewDeviceAsync();

        var response = await intruder.Owner.Client.GetAsync($"{Route}/{app.Id}/live");

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Live_UnknownType_Answers400()
    {
        var (app, _) = await shoal.NewDeviceAsync();

        var response = await app.Owner.Client.GetAsync($"{Route}/{app.Id}/live?types=report,weather");

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("types", out _));
    }

    private static Task<MqttClientPublishResult> MessageAsync(IMqttClient client, TestDevice device, string json) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(device.Topic("sys/messages/up")).WithPayload(json)
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
}

public sealed class LiveApiTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : LiveApiTests<SqliteDatabase>(shoal);

public sealed class LiveApiTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : LiveApiTests<PostgresDatabase>(shoal);

/// <summary>An open live view, read event by event.</summary>
internal sealed class LiveStream : IAsyncDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private HttpResponseMessage? _response;
    private IAsyncEnumerator<SseItem<string>>? _events;

    public static async Task<LiveStream> OpenAsync(NaApplication app, string query)
    {
        var live = new LiveStream();
        live._response = await app.Owner.Client.GetAsync($"{Route}/{app.Id}/live{query}", HttpCompletionOption.ResponseHeadersRead, live._timeout.Token);
        Assert.Equal("text/event-stream", live._response.Content.Headers.ContentType?.MediaType);
        live._events = SseParser.Create(await live._response.Content.ReadAsStreamAsync(live._timeout.Token)).EnumerateAsync(live._timeout.Token)
            .GetAsyncEnumerator(live._timeout.Token);
        return live;
    }

    /// <summary>The next event that <paramref name="wanted"/> picks: its type and its JSON.</summary>
    public async Task<(string Type, JsonElement Data)> NextAsync(Func<SseItem<string>, bool> wanted)
    {
        while (await _events!.MoveNextAsync())
        {
            if (wanted(_events.Current))
            {
                return (_events.Current.EventType, JsonDocument.Parse(_events.Current.Data).RootElement);
            }
        }
        throw new InvalidOperationException("The live view ended.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_events is not null)
        {
            await _events.DisposeAsync();
        }
        _response?.Dispose();
        _timeout.Dispose();
    }
}
