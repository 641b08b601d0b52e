using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Northbound;

public static class LoginForms
{
    public static TheoryData<string, string> Malformed => new()
    {
        { "multipart/form-data", "appId=x&secret=y" },
        { "multipart/form-data; boundary=b", "--b\r\ngarbage without headers" },
        { "application/x-www-form-urlencoded", string.Join('&', Enumerable.Range(0, 1100).Select(i => $"f{i}=1")) },
        { "application/x-www-form-urlencoded", new string('k', 2100) + "=1&appId=x&secret=y" },
    };
}

/// <summary>Input no handler could use gets a clear 400 and changes nothing: never a 500, never a silently wrong answer.</summary>
public abstract class BadInputTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Theory]
    [MemberData(nameof(LoginForms.Malformed), MemberType = typeof(LoginForms))]
    public async Task Login_MalformedForm_Answers400100022(string contentType, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        var response = await shoal.CreateClient().PostAsync(NaClient.LoginPath, content);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
    }

    [Theory]
    [InlineData("/iocm/app/dm/v1.4.0/devices")]
    [InlineData("/iocm/app/cmd/v1.4.0/deviceCommands")]
    [InlineData("/iocm/app/sub/v1.2.0/subscriptions")]
    [InlineData("/iocm/app/data/v1.2.0/deviceDataHistory?deviceId=d&gatewayId=d")]
    public async Task List_PageBeyondAnyOffset_Answers400100022(string path)
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.GetAsync(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "pageNo=8589935&pageSize=250");

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
    }

    [Fact]
    public async Task ManagementList_PageBeyondAnyOffset_AnswersAnEmptyPage()
    {
        var user = await shoal.SignUpAsync();

        var page = await (await user.Client.GetAsync($"{ApplicationApi.Route}?page={int.MaxValue}&pageSize=100")).JsonAsync();

        Assert.Empty(page.GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"nodeId":"node\u0000one","timeout":0}""")]
    [InlineData("""{"nodeId":"node-\ud800","timeout":0}""")]
    [InlineData("""{"nodeId":"node-a","nodeId":"node-b","timeout":0}""")]
    [InlineData("""{"nodeId":"node-c","timeout":0,"deviceInfo":{"name":"a\u0000b"}}""")]
    public async Task Register_TextThatCannotBeStored_Answers400100022AndRegistersNothing(string body)
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, body);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
        Assert.Equal(0, (await app.Na.DevicesAsync()).GetProperty("totalCount").GetInt32());
    }

    [Theory]
    [InlineData("""{"name":"plant","industry":"other","acceptTerms":true,"description":"a\u0000b"}""")]
    [InlineData("""{"name":"plant","industry":"other","acceptTerms":true,"description":"\udc00"}""")]
    public async Task CreateApplication_DescriptionThatCannotBeStored_Answers400NamingIt(string body)
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsync(ApplicationApi.Route, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Contains("description", await response.FieldErrorAsync("description"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateRule_ThresholdBeyondAnyNumber_Answers400()
    {
        var user = await shoal.SignUpAsync();
        var applicationId = (await user.Client.CreateApplicationAsync("rules")).GetProperty("applicationId").GetString();

        var response = await user.Client.PostAsync($"{ApplicationApi.Route}/{applicationId}/rules", new StringContent("""
            {"name":"hot","conditions":[{"type":"DEVICE_DATA","deviceInfo":{"path":"Temperature/value"},"operator":">","value":1e400}],
             "actions":[{"type":"EMAIL","recipients":["ops@example.com"],"subject":"hot","content":"{value}"}]}
            """, Encoding.UTF8, "application/json"));

        Assert.Contains("finite", (await response.ProblemAsync(HttpStatusCode.BadRequest)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_TimeoutOfDecades_NeverExpiresRatherThanExpiringInDecades()
    {
        var app = await shoal.NewApplicationAsync();

        var registered = await (await app.Na.SendAsync(HttpMethod.Post, NaClient.RegisterPath, new { nodeId = "long-wait", timeout = int.MaxValue })).JsonAsync();

        var deviceId = registered.GetProperty("deviceId").GetString();
        Assert.Null(await shoal.Database.QueryAsync(db => db.Devices.Where(d => d.Id == deviceId).Select(d => d.RegistrationExpiresAt).SingleAsync()));
    }

    [Fact]
    public async Task CreateApplication_RepeatedField_Answers400()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsync(ApplicationApi.Route, new StringContent(
            """{"name":"plant","name":"other","industry":"other","acceptTerms":true}""", Encoding.UTF8, "application/json"));

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }
}

public sealed class BadInputTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : BadInputTests<SqliteDatabase>(shoal);

public sealed class BadInputTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : BadInputTests<PostgresDatabase>(shoal);
