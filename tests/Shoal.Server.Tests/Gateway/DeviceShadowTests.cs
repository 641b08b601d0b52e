using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Shoal.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Gateway;

/// <summary>
/// The device shadow: the application sets desired values, the device is sent those it does not hold, and the device
/// asks for its shadow on sys/shadow/get.
/// </summary>
public abstract class DeviceShadowTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string ShadowPath = "/iocm/app/shadow/v1.5.0/devices";

    [Fact]
    public async Task SetDesired_DeviceConnected_ReceivesThemAsPropertiesSet()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var response = await SetDesiredAsync(app, device, "Thermostat", new { target = 21 });
        var (topic, payload) = await inbox.NextAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith(device.Topic("sys/properties/set/request_id="), topic, StringComparison.Ordinal);
        Assert.Equal($$$"""{"object_device_id":"{{{device.Id}}}","services":[{"service_id":"Thermostat","properties":{"target":21}}]}""", payload);
    }

    [Fact]
    public async Task ShadowGet_AfterTheDeviceReportsTheDesiredValues_AnswersBothSidesWithTheVersion()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        await SetDesiredAsync(app, device, "Thermostat", new { target = 21 });
        await inbox.NextAsync();

        await inbox.Client.ReportAsync(device, """{"services":[{"service_id":"Thermostat","properties":{"target":21,"current":19.5}}]}""");
        var answer = await AskShadowAsync(inbox, "42", """{"service_id":"Thermostat"}""");

        Assert.Equal(device.Id, answer.GetProperty("object_device_id").GetString());
        var service = Assert.Single(answer.GetProperty("shadow").EnumerateArray());
        Assert.Equal("Thermostat", service.GetProperty("service_id").GetString());
        Assert.Equal("""{"target":21}""", service.GetProperty("desired").GetProperty("properties").GetRawText());
        Assert.Equal("""{"target":21,"current":19.5}""", service.GetProperty("reported").GetProperty("properties").GetRawText());
        Assert.Equal(Northbound.Northbound.Time(shoal.Time.GetUtcNow()), service.GetProperty("desired").GetProperty("event_time").GetString());
        Assert.Matches(@"^\d{8}T\d{6}Z$", service.GetProperty("reported").GetProperty("event_time").GetString()!);
        Assert.Equal(1, service.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task ShadowGet_ForOneService_AnswersOnlyThatOne()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        await inbox.Client.ReportAsync(device, """{"services":[{"service_id":"Battery","properties":{"level":80}},{"service_id":"Meter","properties":{"kwh":3}}]}""");

        var answer = await AskShadowAsync(inbox, "7", """{"object_device_id":"","service_id":"Meter"}""");

        var service = Assert.Single(answer.GetProperty("shadow").EnumerateArray());
        Assert.Equal(("Meter", """{"kwh":3}"""), (service.GetProperty("service_id").GetString(), service.GetProperty("reported").GetProperty("properties").GetRawText()));
        Assert.Equal(("{}", 0), (service.GetProperty("desired").GetProperty("properties").GetRawText(), service.GetProperty("version").GetInt32()));
    }

    [Fact]
    public async Task ShadowGet_ForAServiceWithNothingStored_AnswersItEmptyAtVersionZero()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        await inbox.PublishAsync("sys/shadow/get/request_id=1", """{"service_id":"smokeDetector"}""");

        Assert.Equal(
            (device.Topic("sys/shadow/get/response/request_id=1"),
                $$$"""{"object_device_id":"{{{device.Id}}}","shadow":[{"service_id":"smokeDetector","desired":{"properties":{}},"reported":{"properties":{}},"version":0}]}"""),
            await inbox.NextAsync());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"object_device_id":"","service_id":""}""")]
    [InlineData("""{"object_device_id":null,"service_id":null}""")]
    public async Task ShadowGet_WithoutServiceId_AnswersEveryService(string request)
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await SetDesiredAsync(app, device, "Alarm", new { armed = true });
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        await inbox.NextAsync();
        await inbox.Client.ReportAsync(device, """{"services":[{"service_id":"Battery","properties":{"level":80}}]}""");

        var answer = await AskShadowAsync(inbox, "req-1", request);

        Assert.Equal(["Alarm", "Battery"], answer.GetProperty("shadow").EnumerateArray().Select(s => s.GetProperty("service_id").GetString()));
    }

    [Fact]
    public async Task ShadowGet_EmptyPayloadAndNothingStored_AnswersAnEmptyShadowArray()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        await inbox.PublishAsync("sys/shadow/get/request_id=1", "");

        Assert.Equal(
            (device.Topic("sys/shadow/get/response/request_id=1"), $$$"""{"object_device_id":"{{{device.Id}}}","shadow":[]}"""),
            await inbox.NextAsync());
    }

    [Fact]
    public async Task ShadowGet_ServiceIdNotText_IsRefusedAsBadPayload()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var result = await inbox.PublishAsync("sys/shadow/get/request_id=1", """{"service_id":7}""");

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
    }

    [Fact]
    public async Task SetDesired_WhileOffline_ReachesTheDeviceWhenItConnects()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        await SetDesiredAsync(app, device, "Thermostat", new { target = 18 });
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var (topic, payload) = await inbox.NextAsync();
        Assert.StartsWith(device.Topic("sys/properties/set/request_id="), topic, StringComparison.Ordinal);
        Assert.Equal($$$"""{"object_device_id":"{{{device.Id}}}","services":[{"service_id":"Thermostat","properties":{"target":18}}]}""", payload);
    }

    [Fact]
    public async Task SetDesired_MoreDevicesListeningThanAStatementTakesParameters_ReachesTheDevice()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        using var others = ListeningDevices.Open(shoal.Services, ListeningDevices.MoreThanAStatementTakes);

        await SetDesiredAsync(app, device, "Thermostat", new { target = 19 });

        Assert.StartsWith(device.Topic("sys/properties/set/request_id="), (await inbox.NextAsync()).Topic, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetDesired_DeviceAlreadyReportsSome_IsSentOnlyTheOthers()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);
        await inbox.Client.ReportAsync(device, """{"services":[{"service_id":"Thermostat","properties":{"target":21,"mode":"eco"}}]}""");

        await SetDesiredAsync(app, device, "Thermostat", new { target = 21, mode = "comfort" });

        Assert.EndsWith("""{"service_id":"Thermostat","properties":{"mode":"comfort"}}]}""", (await inbox.NextAsync()).Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconnect_DeviceDidNotAccept_IsSentTheDesiredValuesAgain()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using (var first = await DeviceInbox.ConnectAsync(shoal, device))
        {
            await SetDesiredAsync(app, device, "Thermostat", new { target = 21 });
            await first.NextAsync();
            await first.Client.DisconnectAsync(new MqttClientDisconnectOptions());
        }

        using var second = await DeviceInbox.ConnectAsync(shoal, device);

        Assert.EndsWith("""{"service_id":"Thermostat","properties":{"target":21}}]}""", (await second.NextAsync()).Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconnect_DeviceAccepted_IsNotSentThemAgain()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using (var first = await DeviceInbox.ConnectAsync(shoal, device))
        {
            await SetDesiredAsync(app, device, "Thermostat", new { target = 21 });
            var (topic, _) = await first.NextAsync();
            await first.PublishAsync($"sys/properties/set/response/{topic[(topic.LastIndexOf('/') + 1)..]}", """{"result_code":0}""");
            await shoal.EventuallyAsync(db => db.DeviceDesiredStates.AnyAsync(d => d.DeviceId == device.Id && d.AcceptedVersion == 1));
            await first.Client.DisconnectAsync(new MqttClientDisconnectOptions());
        }

        using var second = await DeviceInbox.ConnectAsync(shoal, device);
        await shoal.Services.GetRequiredService<DeviceShadowWorker>().RunOnceAsync(CancellationToken.None);
        await second.PublishAsync("sys/shadow/get/request_id=after", "{}");

        Assert.Equal(device.Topic("sys/shadow/get/response/request_id=after"), (await second.NextAsync()).Topic);
    }

    [Fact]
    public async Task GetShadow_ManagementApi_ShowsDesiredAndReported()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, """{"services":[{"service_id":"Thermostat","properties":{"target":19}}]}""");
        await SetDesiredAsync(app, device, "Thermostat", new { target = 21 });

        var shadow = await (await app.Owner.Client.GetAsync($"{Route}/{app.Id}/devices/{device.Id}/shadow")).JsonAsync();

        var service = Assert.Single(shadow.EnumerateArray());
        Assert.Equal(21, service.GetProperty("desired").GetProperty("properties").GetProperty("target").GetInt32());
        Assert.Equal(19, service.GetProperty("reported").GetProperty("properties").GetProperty("target").GetInt32());
        Assert.Equal(1, service.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task SetDesired_NullProperty_RemovesItAndCountsAVersion()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        await SetDesiredAsync(app, device, "Thermostat", new { target = 21, mode = "eco" });

        var shadow = await (await SetDesiredAsync(app, device, "Thermostat", new { mode = (string?)null })).JsonAsync();

        var service = Assert.Single(shadow.EnumerateArray());
        Assert.Equal("""{"target":21}""", service.GetProperty("desired").GetProperty("properties").GetRawText());
        Assert.Equal(2, service.GetProperty("version").GetInt64());
    }

    [Theory]
    [InlineData("""{"a.b":1}""")]
    [InlineData("""{"$set":1}""")]
    [InlineData("""{"a\u0000b":1}""")]
    [InlineData("""{"outer":{"in.ner":1}}""")]
    [InlineData("{}")]
    public async Task SetDesired_BadPropertyNames_Answers400AndStoresNothing(string desired)
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var response = await app.Owner.Client.PutAsync($"{Route}/{app.Id}/devices/{device.Id}/shadow",
            new StringContent($$"""{"services":[{"serviceId":"Thermostat","desired":{{desired}}}]}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.NotEmpty(await response.FieldErrorAsync("services"));
        Assert.False(await shoal.QueryAsync(db => db.DeviceDesiredStates.AnyAsync(d => d.DeviceId == device.Id)));
    }

    [Fact]
    public async Task SetDesired_TooLarge_Answers400()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var response = await SetDesiredAsync(app, device, "Thermostat", new { note = new string('x', 20_000) });

        Assert.Contains("longer", await response.FieldErrorAsync("services"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetDesired_AnotherUsersDevice_Answers404()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        var (intruder, _) = await shoal.NewDeviceAsync();

        var response = await SetDesiredAsync(intruder, device, "Thermostat", new { target = 30 });

        await response.ProblemAsync(HttpStatusCode.NotFound);
        Assert.False(await shoal.QueryAsync(db => db.DeviceDesiredStates.AnyAsync(d => d.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Northbound_PutThenGet_ShowsTheDesiredValuesAndTheDeviceReceivesThem()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        using var inbox = await DeviceInbox.ConnectAsync(shoal, device);

        var put = await app.Na.SendAsync(HttpMethod.Put, $"{ShadowPath}/{device.Id}",
            new { serviceDesireds = new[] { new { serviceId = "Thermostat", desired = new { target = 22 } } } });
        var (_, payload) = await inbox.NextAsync();
        var shadow = await (await app.Na.GetAsync($"{ShadowPath}/{device.Id}")).JsonAsync();

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.EndsWith("""{"service_id":"Thermostat","properties":{"target":22}}]}""", payload, StringComparison.Ordinal);
        Assert.Equal(device.Id, shadow.GetProperty("deviceId").GetString());
        Assert.Equal("ONLINE", shadow.GetProperty("deviceInfo").GetProperty("status").GetString());
        var service = Assert.Single(shadow.GetProperty("services").EnumerateArray());
        Assert.Equal("Thermostat", service.GetProperty("serviceId").GetString());
        Assert.Equal(22, service.GetProperty("desiredProps").GetProperty("target").GetInt32());
        Assert.Matches(@"^\d{8}T\d{6}Z$", service.GetProperty("eventTime").GetString()!);
    }

    [Fact]
    public async Task Northbound_PutBadPropertyName_Answers400100022AndStoresNothing()
    {
        var (app, device) = await shoal.NewDeviceAsync();

        var response = await app.Na.SendAsync(HttpMethod.Put, $"{ShadowPath}/{device.Id}",
            """{"serviceDesireds":[{"serviceId":"Thermostat","desired":{"a.b":1}}]}""");

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
        Assert.False(await shoal.QueryAsync(db => db.DeviceDesiredStates.AnyAsync(d => d.DeviceId == device.Id)));
    }

    [Fact]
    public async Task Northbound_UnknownDevice_Answers404100418()
    {
        var (app, _) = await shoal.NewDeviceAsync();

        await (await app.Na.GetAsync($"{ShadowPath}/{Guid.NewGuid()}")).NaErrorAsync(HttpStatusCode.NotFound, "100418");
        await (await app.Na.SendAsync(HttpMethod.Put, $"{ShadowPath}/{Guid.NewGuid()}",
            new { serviceDesireds = new[] { new { serviceId = "Thermostat", desired = new { target = 22 } } } }))
            .NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    private static Task<HttpResponseMessage> SetDesiredAsync(NaApplication app, TestDevice device, string serviceId, object desired) =>
        app.Owner.Client.PutAsJsonAsync($"{Route}/{app.Id}/devices/{device.Id}/shadow", new { services = new[] { new { serviceId, desired } } });

    /// <summary>Publishes a shadow request with <paramref name="requestId"/> and returns the answer, checking it comes on the matching topic.</summary>
    private static async Task<JsonElement> AskShadowAsync(DeviceInbox inbox, string requestId, string body)
    {
        await inbox.PublishAsync($"sys/shadow/get/request_id={requestId}", body);
        var (topic, payload) = await inbox.NextAsync();
        Assert.Equal(inbox.Device.Topic($"sys/shadow/get/response/request_id={requestId}"), topic);
        return JsonDocument.Parse(payload).RootElement.Clone();
    }
}

public sealed class DeviceShadowTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : DeviceShadowTests<SqliteDatabase>(shoal);

public sealed class DeviceShadowTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : DeviceShadowTests<PostgresDatabase>(shoal);
