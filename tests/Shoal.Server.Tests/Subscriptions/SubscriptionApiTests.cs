using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>The northbound subscription calls, as an NA written for the reference platform makes them.</summary>
public abstract class SubscriptionApiTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Path = PushApplication<SqliteDatabase>.SubscriptionsPath;
    private const string Callback = "http://127.0.0.1:9/push";

    [Fact]
    public async Task Subscribe_ValidCallback_Answers201WithTheSubscription()
    {
        var app = await shoal.NewApplicationAsync();

        var created = await (await app.Na.SubscribeAsync("deviceDataChanged", Callback)).JsonAsync(HttpStatusCode.Created);

        Assert.False(string.IsNullOrEmpty(created.GetProperty("subscriptionId").GetString()));
        Assert.Equal("deviceDataChanged", created.GetProperty("notifyType").GetString());
        Assert.Equal(Callback, created.GetProperty("callbackUrl").GetString());
    }

    [Theory]
    [InlineData("v1.1.0")]
    [InlineData("v1.2.0")]
    public async Task Subscribe_OlderPathWithLowerCaseCallbackurl_Answers201AndSubscribes(string version)
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, $"/iocm/app/sub/{version}/subscribe",
            """{"notifyType":"deviceAdded","callbackurl":"http://127.0.0.1:9/added"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var listed = await (await app.Na.GetAsync(Path)).JsonAsync();
        Assert.Equal("http://127.0.0.1:9/added", listed.GetProperty("subscriptions")[0].GetProperty("callbackUrl").GetString());
    }

    [Fact]
    public async Task Subscribe_SameTypeTwice_Answers409100227()
    {
        var app = await shoal.NewApplicationAsync();
        await app.Na.SubscribeAsync("deviceDataChanged", Callback);

        var response = await app.Na.SubscribeAsync("deviceDataChanged", "http://127.0.0.1:9/other");

        await response.NaErrorAsync(HttpStatusCode.Conflict, "100227");
    }

    [Fact]
    public async Task Subscribe_UnknownNotifyType_Answers400100022()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SubscribeAsync("deviceExploded", Callback);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100022");
    }

    [Fact]
    public async Task Subscribe_NoCallbackUrl_Answers400102202()
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SendAsync(HttpMethod.Post, Path, new { notifyType = "deviceAdded" });

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "102202");
    }

    [Theory]
    [InlineData("127.0.0.1:9/push")]
    [InlineData("ftp://127.0.0.1/push")]
    [InlineData("https://127.0.0.1:9/push")]
    [InlineData("http://user:password@127.0.0.1:9/push")]
    public async Task Subscribe_CallbackWithoutTheApplicationsScheme_Answers400100222(string callbackUrl)
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SubscribeAsync("deviceAdded", callbackUrl);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100222");
        Assert.Equal(0, (await (await app.Na.GetAsync(Path)).JsonAsync()).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Subscribe_HttpCallbackOnAnHttpsApplication_Answers400100222()
    {
        var app = await shoal.NewApplicationAsync(null, ("pushProtocol", "Https"), ("caCertificates", Certificates.CaPem()));

        var response = await app.Na.SubscribeAsync("deviceAdded", Callback);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100222");
    }

    [Fact]
    public async Task Subscribe_CallbackLongerThan1024Characters_Answers400100222()
    {
        var app = await shoal.NewApplicationAsync();
        var callbackUrl = "http://127.0.0.1:9/" + new string('a', 1024 - "http://127.0.0.1:9/".Length + 1);

        var response = await app.Na.SubscribeAsync("deviceAdded", callbackUrl);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100222");
    }

    [Theory]
    [InlineData("http://10.1.2.3/push")]
    [InlineData("http://172.16.0.1/push")]
    [InlineData("http://192.168.1.10/push")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://100.64.0.1/push")]
    [InlineData("http://[::1]/push")]
    [InlineData("http://[fd00:ec2::254]/push")]
    [InlineData("http://[fe80::1]/push")]
    [InlineData("http://[::ffff:10.0.0.1]/push")]
    [InlineData("http://0.0.0.0/push")]
    public async Task Subscribe_CallbackOnAnInternalAddress_Answers400100222(string callbackUrl)
    {
        var app = await shoal.NewApplicationAsync();

        var response = await app.Na.SubscribeAsync("deviceAdded", callbackUrl);

        await response.NaErrorAsync(HttpStatusCode.BadRequest, "100222");
    }

    [Fact]
    public async Task Subscribe_WithAppIdOfAGrantingApplication_SubscribesForIt()
    {
        var grantor = await shoal.NewApplicationAsync();
        var grantee = await shoal.NewApplicationAsync();
        await GrantAsync(grantor, grantee, "Edit");

        var created = await (await grantee.Na.SendAsync(HttpMethod.Post, Path, new { notifyType = "deviceAdded", callbackUrl = Callback, appId = grantor.Id, ownerFlag = "false" }))
            .JsonAsync(HttpStatusCode.Created);

        var listed = await (await grantor.Na.GetAsync(Path)).JsonAsync();
        Assert.Equal(created.GetProperty("subscriptionId").GetString(), listed.GetProperty("subscriptions")[0].GetProperty("subscriptionId").GetString());
        Assert.Equal(0, (await (await grantee.Na.GetAsync(Path)).JsonAsync()).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Subscribe_WithAppIdOfAnApplicationThatGrantedOnlyView_Answers403100217()
    {
        var grantor = await shoal.NewApplicationAsync();
        var grantee = await shoal.NewApplicationAsync();
        await GrantAsync(grantor, grantee, "View");

        var response = await grantee.Na.SubscribeAsync("deviceAdded", Callback, $"?appId={grantor.Id}");

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "100217");
    }

    [Fact]
    public async Task Subscribe_WithAppIdOfAnApplicationThatGrantedNothing_Answers403100217()
    {
        var other = await shoal.NewApplicationAsync();
        var caller = await shoal.NewApplicationAsync();

        var response = await caller.Na.SendAsync(HttpMethod.Post, Path, new { notifyType = "deviceAdded", callbackUrl = Callback, appId = other.Id });

        await response.NaErrorAsync(HttpStatusCode.Forbidden, "100217");
    }

    [Fact]
    public async Task Query_ByTheGrantor_FlagsAGranteesSubscriptionWithTheGranteesAppId()
    {
        var grantor = await shoal.NewApplicationAsync();
        var grantee = await shoal.NewApplicationAsync();
        await GrantAsync(grantor, grantee, "Edit");
        await grantor.Na.SubscribeAsync("deviceAdded", Callback);
        await grantee.Na.SubscribeAsync("deviceAdded", Callback, $"?appId={grantor.Id}");

        var listed = await (await grantor.Na.GetAsync(Path)).JsonAsync();

        var subscribers = listed.GetProperty("subscriptions").EnumerateArray()
            .Select(s => new { AppId = s.GetProperty("appId").GetString(), SubscriberAppId = s.GetProperty("subscriberAppId").GetString() });
        Assert.Equivalent(new[] { new { AppId = grantor.Id, SubscriberAppId = grantor.Id }, new { AppId = grantor.Id, SubscriberAppId = grantee.Id } }, subscribers, strict: true);
    }

    [Fact]
    public async Task Query_ByNotifyTypeAndPage_AnswersThatPage()
    {
        var app = await shoal.NewApplicationAsync();
        foreach (var type in new[] { "deviceAdded", "bindDevice", "deviceDataChanged" })
        {
            await app.Na.SubscribeAsync(type, Callback);
        }

        var all = await (await app.Na.GetAsync($"{Path}?pageNo=1&pageSize=2")).JsonAsync();
        var filtered = await (await app.Na.GetAsync($"{Path}?notifyType=bindDevice")).JsonAsync();

        Assert.Equal((3, 1, 2, 1), (all.GetProperty("totalCount").GetInt32(), all.GetProperty("pageNo").GetInt32(),
            all.GetProperty("pageSize").GetInt32(), all.GetProperty("subscriptions").GetArrayLength()));
        Assert.Equal("bindDevice", filtered.GetProperty("subscriptions").EnumerateArray().Single().GetProperty("notifyType").GetString());
    }

    [Fact]
    public async Task QueryOne_AnswersTheSubscription()
    {
        var app = await shoal.NewApplicationAsync();
        var id = (await (await app.Na.SubscribeAsync("deviceAdded", Callback)).JsonAsync(HttpStatusCode.Created)).GetProperty("subscriptionId").GetString();

        var subscription = await (await app.Na.GetAsync($"{Path}/{id}")).JsonAsync();

        Assert.Equal(("deviceAdded", Callback), (subscription.GetProperty("notifyType").GetString(), subscription.GetProperty("callbackUrl").GetString()));
    }

    [Fact]
    public async Task QueryOne_OfAnotherApplication_Answers404100225()
    {
        var owner = await shoal.NewApplicationAsync();
        var stranger = await shoal.NewApplicationAsync();
        var id = (await (await owner.Na.SubscribeAsync("deviceAdded", Callback)).JsonAsync(HttpStatusCode.Created)).GetProperty("subscriptionId").GetString();

        var read = await stranger.Na.GetAsync($"{Path}/{id}");
        var deleted = await stranger.Na.SendAsync(HttpMethod.Delete, $"{Path}/{id}");

        await read.NaErrorAsync(HttpStatusCode.NotFound, "100225");
        await deleted.NaErrorAsync(HttpStatusCode.NotFound, "100225");
        Assert.Equal(HttpStatusCode.OK, (await owner.Na.GetAsync($"{Path}/{id}")).StatusCode);
    }

    [Fact]
    public async Task DeleteOne_Answers204AndTheSubscriptionIsGone()
    {
        var app = await shoal.NewApplicationAsync();
        var id = (await (await app.Na.SubscribeAsync("deviceAdded", Callback)).JsonAsync(HttpStatusCode.Created)).GetProperty("subscriptionId").GetString();

        var response = await app.Na.SendAsync(HttpMethod.Delete, $"{Path}/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await app.Na.GetAsync($"{Path}/{id}")).NaErrorAsync(HttpStatusCode.NotFound, "100225");
    }

    [Fact]
    public async Task DeleteByNotifyType_RemovesOnlyThoseSubscriptions()
    {
        var app = await shoal.NewApplicationAsync();
        await app.Na.SubscribeAsync("deviceAdded", Callback);
        await app.Na.SubscribeAsync("bindDevice", Callback);

        var response = await app.Na.SendAsync(HttpMethod.Delete, $"{Path}?notifyType=deviceAdded");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var left = await (await app.Na.GetAsync(Path)).JsonAsync();
        Assert.Equal("bindDevice", left.GetProperty("subscriptions").EnumerateArray().Single().GetProperty("notifyType").GetString());
    }

    private static async Task GrantAsync(NaApplication grantor, NaApplication grantee, string level) =>
        (await grantor.Owner.Client.PostAsJsonAsync($"/api/v1/applications/{grantor.Id}/grants", new { granteeApplicationId = grantee.Id, level }))
            .EnsureSuccessStatusCode();
}

public sealed class SubscriptionApiTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : SubscriptionApiTests<SqliteDatabase>(shoal);

public sealed class SubscriptionApiTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : SubscriptionApiTests<PostgresDatabase>(shoal);
