using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Gateway.Https;

/// <summary>HTTPS device access: authentication for a token, and reports with it, stored before the 200 or refused with nothing stored.</summary>
public abstract class DeviceHttpsTests<TDatabase>(DeviceHttpsApplication<TDatabase> shoal) : IClassFixture<DeviceHttpsApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string PropertiesPath = "sys/properties/report";
    private const string MessagesPath = "sys/messages/up";
    private const string Report = """{"services":[{"service_id":"Temperature","properties":{"value":21.5},"event_time":"2026-11-25T10:15:00.000Z"}]}""";

    [Fact]
    public async Task Auth_SignTypeOne_AnswersATokenForTheConfiguredLifetime()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();

        var body = await (await shoal.AuthenticateAsync(device, signType: 1)).JsonAsync();

        Assert.True(body.GetProperty("access_token").GetString()!.Length >= 32);
        Assert.Equal(24 * 60 * 60, body.GetProperty("expires_in").GetInt64());
    }

    [Fact]
    public async Task Auth_SignTypeZero_AcceptsATimestampFarFromNow()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();

        var response = await shoal.AuthenticateAsync(device, signType: 0, timestamp: TestDevice.Timestamp(shoal.Time.GetUtcNow().AddDays(-3)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Auth_SignTypeOneWithATimestampFarFromNow_Answers401()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();

        var response = await shoal.AuthenticateAsync(device, signType: 1, timestamp: TestDevice.Timestamp(shoal.Time.GetUtcNow().AddDays(-3)));

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "IOTDA.000002");
    }

    [Fact]
    public async Task Auth_WrongPassword_Answers401WithIotdaCode()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();

        var response = await shoal.AuthenticateAsync(device, password: new string('0', 64));

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "IOTDA.000002");
    }

    [Fact]
    public async Task Auth_UnknownDevice_AnswersExactlyAsAWrongPassword()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();

        var unknown = await (await shoal.AuthenticateAsync(device with { Id = device.Id + "x" })).Content.ReadAsStringAsync();
        var wrong = await (await shoal.AuthenticateAsync(device, password: new string('0', 64))).Content.ReadAsStringAsync();

        Assert.Equal(wrong, unknown);
    }

    [Theory]
    [InlineData("""{"device_id":"d","sign_type":2,"timestamp":"2026112510","password":"p"}""")]
    [InlineData("""{"device_id":"d","sign_type":"1","timestamp":"2026112510","password":"p"}""")]
    [InlineData("""{"device_id":"d","sign_type":1,"timestamp":"20261125","password":"p"}""")]
    [InlineData("""{"device_id":"","sign_type":1,"timestamp":"2026112510","password":"p"}""")]
    [InlineData("""{"device_id":"d","sign_type":1,"timestamp":"2026112510"}""")]
    [InlineData("""{"device_id":"d","sign_type":1,""")]
    [InlineData("[]")]
    public async Task Auth_InvalidInput_Answers400(string body)
    {
        var response = await shoal.Devices.PostAsync("/v5/device-auth", new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "IOTDA.000006");
    }

    [Fact]
    public async Task Auth_FrozenApplication_Answers401()
    {
        var (app, device) = await shoal.NewHttpsDeviceAsync();
        (await shoal.Operator.PostAsync($"/api/v1/operator/applications/{app.Id}/freeze", null)).EnsureSuccessStatusCode();

        var response = await shoal.AuthenticateAsync(device);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "IOTDA.000002");
    }

    [Fact]
    public async Task Auth_StoresOnlyTheSha256OfTheToken()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();

        var token = await shoal.TokenAsync(device);

        var stored = await shoal.QueryAsync(db => db.DeviceAccessTokens.AsNoTracking().SingleAsync(t => t.DeviceId == device.Id));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(token)), stored.TokenHash);
    }

    [Fact]
    public async Task Auth_FirstTime_ActivatesTheDeviceWithoutMakingItOnline()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync(timeout: 300);

        await shoal.TokenAsync(device);

        var stored = await shoal.QueryAsync(db => db.Devices.AsNoTracking().SingleAsync(d => d.Id == device.Id));
        Assert.True(stored.Activated);
        Assert.Null(stored.RegistrationExpiresAt);
        Assert.Equal(DeviceStatus.Offline, stored.Status);
        Assert.Equal(shoal.Time.GetUtcNow(), stored.LastSeenAt!.Value, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Auth_Again_OldTokenWorksForThirtySeconds()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();
        var old = await shoal.TokenAsync(device);
        var renewed = await shoal.TokenAsync(device);

        shoal.Time.Advance(TimeSpan.FromSeconds(29));
        var within = await shoal.PostAsync(device.Id, MessagesPath, old, "{}");
        shoal.Time.Advance(TimeSpan.FromSeconds(2));
        var after = await shoal.PostAsync(device.Id, MessagesPath, old, "{}");
        var renewedAfter = await shoal.PostAsync(device.Id, MessagesPath, renewed, "{}");

        Assert.Equal(HttpStatusCode.OK, within.StatusCode);
        await AssertErrorAsync(after, HttpStatusCode.Forbidden, "IOTDA.000004");
        Assert.Equal(HttpStatusCode.OK, renewedAfter.StatusCode);
    }

    [Fact]
    public async Task Report_TokenWonBeforeASecretReset_Answers403()
    {
        var (app, device) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(device);

        var reset = await app.Owner.Client.PostAsJsonAsync($"/api/v1/applications/{app.Id}/devices/{device.Id}/secret", new { });
        var response = await shoal.PostAsync(device.Id, PropertiesPath, token, Report);

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        await AssertErrorAsync(response, HttpStatusCode.Forbidden, "IOTDA.000004");
    }

    [Fact]
    public async Task Report_TokenPastItsLifetime_Answers403()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(device);

        shoal.Time.Advance(TimeSpan.FromHours(24));
        var response = await shoal.PostAsync(device.Id, PropertiesPath, token, Report);

        await AssertErrorAsync(response, HttpStatusCode.Forbidden, "IOTDA.000004");
    }

    [Fact]
    public async Task Report_ValidToken_IsStoredBeforeThe200()
    {
        var (app, device) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(device);

        var response = await shoal.PostAsync(device.Id, PropertiesPath, token, Report);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var point = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking().SingleAsync(p => p.DeviceId == device.Id));
        Assert.Equal((app.Id, "Temperature", """{"value":21.5}"""), (point.ApplicationId, point.ServiceId, point.Data));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 15, 0, TimeSpan.Zero), point.EventTime);
        Assert.True(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.PropertiesReported)));
    }

    [Fact]
    public async Task Report_Accepted_MovesTheDevicesLastSeen()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(device);
        shoal.Time.Advance(TimeSpan.FromMinutes(5));

        await shoal.PostAsync(device.Id, PropertiesPath, token, Report);
        await shoal.Services.GetRequiredService<LastSeenWriter>().WriteAsync(CancellationToken.None);

        var seen = await shoal.QueryAsync(db => db.Devices.AsNoTracking().Where(d => d.Id == device.Id).Select(d => d.LastSeenAt).SingleAsync());
        Assert.Equal(shoal.Time.GetUtcNow(), seen!.Value, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task MessageUp_ValidToken_IsStoredAsAMessageEvent()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(device);

        var response = await shoal.PostAsync(device.Id, MessagesPath, token, """{"name":"name","id":"id","content":"messageUp"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = await shoal.QueryAsync(db => db.DeviceEvents.AsNoTracking().SingleAsync(e => e.DeviceId == device.Id && e.Type == DeviceEventType.MessageUp));
        Assert.Contains("\"content\":\"messageUp\"", message.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_TokenOfAnotherDevice_Answers403()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();
        var (_, other) = await shoal.NewHttpsDeviceAsync();
        var otherToken = await shoal.TokenAsync(other);

        var response = await shoal.PostAsync(device.Id, PropertiesPath, otherToken, Report);

        await AssertErrorAsync(response, HttpStatusCode.Forbidden, "IOTDA.000004");
        await AssertNothingStoredAsync(device);
    }

    [Fact]
    public async Task Report_WithoutToken_Answers403()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();

        var response = await shoal.PostAsync(device.Id, PropertiesPath, null, Report);

        await AssertErrorAsync(response, HttpStatusCode.Forbidden, "IOTDA.000004");
    }

    [Fact]
    public async Task Report_MalformedJson_Answers400AndStoresNothing()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(device);

        var response = await shoal.PostAsync(device.Id, PropertiesPath, token, """{"services":[{"service_id":"Temperature","properties":""");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "IOTDA.000006");
        await AssertNothingStoredAsync(device);
    }

    [Fact]
    public async Task Report_NotAPropertiesReport_Answers400AndStoresNothing()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(device);

        var response = await shoal.PostAsync(device.Id, PropertiesPath, token, """{"services":[{"properties":{"value":1}}]}""");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "IOTDA.000006");
        await AssertNothingStoredAsync(device);
    }

    [Fact]
    public async Task MessageUp_LargerThanThePayloadLimit_Answers413AndStoresNothing()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(device);

        var response = await shoal.PostAsync(device.Id, MessagesPath, token, $"\"{new string('x', 256 * 1024)}\"");

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "IOTDA.021105");
        await AssertNothingStoredAsync(device);
    }

    [Fact]
    public async Task Report_OverTheRateLimit_Answers403AndOtherDevicesStillReport()
    {
        var (_, device) = await shoal.NewHttpsDeviceAsync();
        var (_, other) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(device);
        var otherToken = await shoal.TokenAsync(other);
        // The clock stands still, so these all fall in one second; refused bodies count, as refused publishes do.
        for (var i = 0; i < 100; i++)
        {
            await shoal.PostAsync(device.Id, PropertiesPath, token, "{}");
        }

        var limited = await shoal.PostAsync(device.Id, PropertiesPath, token, Report);
        var unaffected = await shoal.PostAsync(other.Id, PropertiesPath, otherToken, Report);

        await AssertErrorAsync(limited, HttpStatusCode.Forbidden, "IOTDA.021101");
        await AssertNothingStoredAsync(device);
        Assert.Equal(HttpStatusCode.OK, unaffected.StatusCode);
    }

    [Fact]
    public async Task GatewayBatchReport_OfItsSubDevices_IsStoredAsEachOnesReport()
    {
        var (app, gateway) = await shoal.NewHttpsDeviceAsync();
        var first = await SubDeviceAsync(app, gateway.Id);
        var second = await SubDeviceAsync(app, gateway.Id);
        var token = await shoal.TokenAsync(gateway);

        var response = await shoal.PostAsync(gateway.Id, SubDevicesPath, token, BatchReport(first, second));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var points = await shoal.QueryAsync(db => db.DeviceDataPoints.AsNoTracking()
            .Where(p => p.DeviceId == first || p.DeviceId == second).Select(p => p.DeviceId).ToListAsync());
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), points.Order(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    [Fact]
    public async Task GatewayBatchReport_NamingADeviceThatIsNotItsSubDevice_Answers400AndStoresNothing()
    {
        var (app, gateway) = await shoal.NewHttpsDeviceAsync();
        var own = await SubDeviceAsync(app, gateway.Id);
        var (_, stranger) = await shoal.NewHttpsDeviceAsync();
        var token = await shoal.TokenAsync(gateway);

        var response = await shoal.PostAsync(gateway.Id, SubDevicesPath, token, BatchReport(own, stranger.Id));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "IOTDA.021104");
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == own || p.DeviceId == stranger.Id)));
    }

    [Fact]
    public async Task GatewayBatchReport_MoreThan50SubDevices_Answers400()
    {
        var (app, gateway) = await shoal.NewHttpsDeviceAsync();
        var own = await SubDeviceAsync(app, gateway.Id);
        var token = await shoal.TokenAsync(gateway);

        var response = await shoal.PostAsync(gateway.Id, SubDevicesPath, token, BatchReport([.. Enumerable.Repeat(own, 51)]));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "IOTDA.000006");
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == own)));
    }

    private const string SubDevicesPath = "sys/gateway/sub-devices/properties/report";

    private static string BatchReport(params string[] deviceIds) =>
        $$$"""{"devices":[{{{string.Join(",", deviceIds.Select(id => $$$"""{"device_id":"{{{id}}}","services":[{"service_id":"Meter","properties":{"kwh":3}}]}"""))}}}]}""";

    private static async Task<string> SubDeviceAsync(NaApplication app, string gatewayId)
    {
        var created = await app.Owner.Client.PostAsJsonAsync($"/api/v1/applications/{app.Id}/devices", new { nodeId = $"node-{Guid.NewGuid():N}", gatewayId });
        return (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("device").GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task ManagementApi_OnTheDeviceAddress_IsNotServed()
    {
        var response = await shoal.Devices.GetAsync("/api/v1/account");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task DeviceAuth_OnThePortalAddress_IsNotServed()
    {
        var response = await shoal.Operator.PostAsync("/v5/device-auth", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.JsonAsync(status);
        Assert.Equal(code, body.GetProperty("error_code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error_msg").GetString()));
    }

    private async Task AssertNothingStoredAsync(TestDevice device)
    {
        Assert.False(await shoal.QueryAsync(db => db.DeviceDataPoints.AnyAsync(p => p.DeviceId == device.Id)));
        Assert.False(await shoal.QueryAsync(db => db.DeviceServiceStates.AnyAsync(s => s.DeviceId == device.Id)));
        Assert.False(await shoal.QueryAsync(db => db.DeviceEvents.AnyAsync(e =>
            e.DeviceId == device.Id && (e.Type == DeviceEventType.PropertiesReported || e.Type == DeviceEventType.MessageUp))));
    }
}

public sealed class DeviceHttpsTestsOnSqlite(DeviceHttpsApplication<SqliteDatabase> shoal) : DeviceHttpsTests<SqliteDatabase>(shoal);

public sealed class DeviceHttpsTestsOnPostgres(DeviceHttpsApplication<PostgresDatabase> shoal) : DeviceHttpsTests<PostgresDatabase>(shoal);
