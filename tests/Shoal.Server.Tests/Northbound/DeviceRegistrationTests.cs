using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Devices;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Northbound;

/// <summary>Device registration, its state, its timeout and key refresh, as an NA written for the reference platform calls them.</summary>
public abstract partial class DeviceRegistrationTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [GeneratedRegex("^[0-9a-fA-F]{32}$")]
    private static partial Regex Hex32();

    [Fact]
    public async Task Register_NodeIdOnly_Answers200WithDeviceIdVerifyCodeTimeoutAndPsk()
    {
        var app = await shoal.NewApplicationAsync();

        var body = await (await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, """{"nodeId":"meter-1"}""")).JsonAsync();

        Assert.False(string.IsNullOrEmpty(body.GetProperty("deviceId").GetString()));
        Assert.Equal("meter-1", body.GetProperty("verifyCode").GetString());
        Assert.True(body.GetProperty("timeout").GetInt32() > 0);
        Assert.Matches(Hex32(), body.GetProperty("psk").GetString()!);
    }

    [Fact]
    public async Task Register_GivenPskAndVerifyCode_EchoesThem()
    {
        var app = await shoal.NewApplicationAsync();

        var body = await (await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath,
            new { nodeId = "meter-1", verifyCode = "code-42", timeout = 300, psk = "00112233445566778899aabbccddeeff" })).JsonAsync();

        Assert.Equal("code-42", body.GetProperty("verifyCode").GetString());
        Assert.Equal(300, body.GetProperty("timeout").GetInt32());
        Assert.Equal("00112233445566778899aabbccddeeff", body.GetProperty("psk").GetString());
    }

    [Fact]
    public async Task Register_MissingNodeId_Answers400102202()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { verifyCode = "code-42" });

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "102202");
    }

    [Fact]
    public async Task Register_DuplicateNodeId_Answers400100426()
    {
        var app = await shoal.NewApplicationAsync();
        await app.Na.RegisterAsync("meter-1");

        var response = await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId = "meter-1" });

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100426");
    }

    [Fact]
    public async Task Register_NodeIdTakenInAnotherApplication_Answers200()
    {
        var other = await shoal.NewApplicationAsync();
        await other.Na.RegisterAsync("meter-1");
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId = "meter-1" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("xyz")]
    [InlineData("0123456")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    public async Task Register_BadPsk_Answers400100022(string psk)
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId = "meter-1", psk });

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
        Assert.Equal(0, (await app.Na.DevicesAsync()).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Register_MalformedJson_Answers400100022()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, """{"nodeId":"meter-1",""");

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
    }

    [Theory]
    [InlineData("/iocm/app/reg/v1.1.0/devices")]
    [InlineData("/iocm/app/reg/v1.2.0/devices")]
    public async Task Register_OlderPath_Answers200WithTheSameBody(string path)
    {
        var app = await shoal.NewApplicationAsync();

        var body = await (await app.Na.SendAsync(HttpMethod.Post, path, new { nodeId = "meter-1", timeout = 0 })).JsonAsync();

        Assert.False(string.IsNullOrEmpty(body.GetProperty("deviceId").GetString()));
        Assert.Equal("meter-1", body.GetProperty("verifyCode").GetString());
        Assert.Equal(0, body.GetProperty("timeout").GetInt32());
        Assert.Matches(Hex32(), body.GetProperty("psk").GetString()!);
    }

    [Theory]
    [InlineData("/iocm/app/reg/v1.1.0/deviceCredentials")]
    [InlineData("/iocm/app/reg/v1.1.0/devices")]
    public async Task RegistrationState_NewDevice_IsNotActivated(string path)
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("meter-1", "Kitchen meter");

        var body = await (await app.Na.GetAsync($"{path}/{deviceId}")).JsonAsync();

        Assert.Equal(deviceId, body.GetProperty("deviceId").GetString());
        Assert.False(body.GetProperty("activated").GetBoolean());
        Assert.Equal("Kitchen meter", body.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("/iocm/app/reg/v1.1.0/deviceCredentials")]
    [InlineData("/iocm/app/reg/v1.1.0/devices")]
    public async Task RegistrationState_UnknownDevice_Answers404100418(string path)
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.GetAsync($"{path}/{Guid.NewGuid()}");

        await response.NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    [Fact]
    public async Task RegistrationExpiry_TimeoutPassedWithoutConnecting_RemovesTheDevice()
    {
        var app = await shoal.NewApplicationAsync();
        var body = await (await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId = "meter-1", timeout = 60 })).JsonAsync();
        var deviceId = body.GetProperty("deviceId").GetString()!;

        shoal.Time.Advance(TimeSpan.FromSeconds(61));
        await shoal.Services.GetRequiredService<RegistrationExpiryWorker>().RunOnceAsync(TestContext.Current.CancellationToken);

        await (await app.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }

    [Fact]
    public async Task RegistrationExpiry_TimeoutZero_KeepsTheDevice()
    {
        var app = await shoal.NewApplicationAsync();
        var deviceId = await app.Na.RegisterAsync("meter-1");

        shoal.Time.Advance(TimeSpan.FromDays(2));
        await shoal.Services.GetRequiredService<RegistrationExpiryWorker>().RunOnceAsync(TestContext.Current.CancellationToken);
        await app.Na.LoginAsync(app.Secret);

        Assert.Equal(HttpStatusCode.OK, (await app.Na.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).StatusCode);
    }

    [Fact]
    public async Task RefreshKey_Answers200WithANewPsk()
    {
        var app = await shoal.NewApplicationAsync();
        var registered = await (await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId = "meter-1", timeout = 0 })).JsonAsync();
        var deviceId = registered.GetProperty("deviceId").GetString()!;

        var body = await (await app.Na.SendAsync(HttpMethod.Put, $"{NaClient.RegisterPath}/{deviceId}", "{}")).JsonAsync();

        Assert.Equal(deviceId, body.GetProperty("deviceId").GetString());
        Assert.Matches(Hex32(), body.GetProperty("psk").GetString()!);
        Assert.NotEqual(registered.GetProperty("psk").GetString(), body.GetProperty("psk").GetString());
    }

    [Fact]
    public async Task RefreshKey_UnknownDevice_Answers404100418()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Put, $"{NaClient.RegisterPath}/{Guid.NewGuid()}", "{}");

        await response.NaErrorAsync(HttpStatusCode.NotFound, "100418");
    }
}

public sealed class DeviceRegistrationTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : DeviceRegistrationTests<SqliteDatabase>(shoal);

public sealed class DeviceRegistrationTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : DeviceRegistrationTests<PostgresDatabase>(shoal);
