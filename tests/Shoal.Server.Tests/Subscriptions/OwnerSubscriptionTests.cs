using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>The owner's subscription routes of the management API: subscribe, try the receiver with a sample push, delete.</summary>
public abstract class OwnerSubscriptionTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Subscribe_ValidCallback_TheNaListsTheSubscription()
    {
        var app = await shoal.NewApplicationAsync();

        var created = await (await SubscribeAsync(app, "deviceAdded", "http://127.0.0.1:9/added")).JsonAsync(HttpStatusCode.Created);

        var listed = await (await app.Na.GetAsync(PushApplication<TDatabase>.SubscriptionsPath)).JsonAsync();
        var subscription = Assert.Single(listed.GetProperty("subscriptions").EnumerateArray());
        Assert.Equal(created.GetProperty("id").GetString(), subscription.GetProperty("subscriptionId").GetString());
        Assert.Equal("http://127.0.0.1:9/added", subscription.GetProperty("callbackUrl").GetString());
    }

    [Fact]
    public async Task Subscribe_SameTypeTwice_Answers400OnTheNotifyTypeAndKeepsTheFirst()
    {
        var app = await shoal.NewApplicationAsync();
        await SubscribeAsync(app, "deviceAdded", "http://127.0.0.1:9/first");

        var message = await (await SubscribeAsync(app, "deviceAdded", "http://127.0.0.1:9/second")).FieldErrorAsync("notifyType");

        Assert.Contains("already subscribed", message, StringComparison.Ordinal);
        Assert.Equal("http://127.0.0.1:9/first", (await shoal.QueryAsync(db => db.Subscriptions.SingleAsync(s => s.ApplicationId == app.Id))).CallbackUrl);
    }

    [Fact]
    public async Task Subscribe_CallbackOutsideTheAllowedNetworks_Answers400OnTheCallbackUrl()
    {
        var app = await shoal.NewApplicationAsync();

        await (await SubscribeAsync(app, "deviceAdded", "http://10.1.2.3/push")).FieldErrorAsync("callbackUrl");

        Assert.False(await shoal.QueryAsync(db => db.Subscriptions.AnyAsync(s => s.ApplicationId == app.Id)));
    }

    [Fact]
    public async Task Test_ReceiverAnswers_TheSignedSamplePushArrivesAndItsStatusIsShown()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var app = await shoal.NewApplicationAsync();
        var secret = await app.RotateSigningSecretAsync();
        var id = (await (await SubscribeAsync(app, "deviceDataChanged", receiver.Url())).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        var answer = await (await app.Owner.Client.PostAsync($"/api/v1/applications/{app.Id}/push/subscriptions/{id}/test", null)).JsonAsync();

        Assert.Equal((true, 200), (answer.GetProperty("succeeded").GetBoolean(), answer.GetProperty("status").GetInt32()));
        var push = await receiver.NextAsync();
        Assert.Equal("deviceDataChanged", JsonDocument.Parse(push.Body).RootElement.GetProperty("notifyType").GetString());
        Assert.True(await SignatureVerifier.VerifiesAsync(secret, push));
        Assert.False(await shoal.QueryAsync(db => db.PushDeliveries.AnyAsync(d => d.ApplicationId == app.Id)));
    }

    [Fact]
    public async Task Test_ReceiverRefuses_TheAnswerSaysWhat()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => StatusCodes.Status503ServiceUnavailable;
        var app = await shoal.NewApplicationAsync();
        var id = (await (await SubscribeAsync(app, "deviceAdded", receiver.Url())).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        var answer = await (await app.Owner.Client.PostAsync($"/api/v1/applications/{app.Id}/push/subscriptions/{id}/test", null)).JsonAsync();

        Assert.False(answer.GetProperty("succeeded").GetBoolean());
        Assert.Equal(503, answer.GetProperty("status").GetInt32());
        Assert.Contains("503", answer.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_OwnSubscription_ItIsGone()
    {
        var app = await shoal.NewApplicationAsync();
        var id = (await (await SubscribeAsync(app, "deviceAdded", "http://127.0.0.1:9/added")).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        var response = await app.Owner.Client.DeleteAsync($"/api/v1/applications/{app.Id}/push/subscriptions/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(await shoal.QueryAsync(db => db.Subscriptions.AnyAsync(s => s.Id == id)));
    }

    [Fact]
    public async Task Delete_AnotherApplicationsSubscription_Answers404AndKeepsIt()
    {
        var app = await shoal.NewApplicationAsync();
        var other = await shoal.NewApplicationAsync();
        var id = (await (await SubscribeAsync(other, "deviceAdded", "http://127.0.0.1:9/added")).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        var response = await app.Owner.Client.DeleteAsync($"/api/v1/applications/{app.Id}/push/subscriptions/{id}");

        await response.ProblemAsync(HttpStatusCode.NotFound);
        Assert.True(await shoal.QueryAsync(db => db.Subscriptions.AnyAsync(s => s.Id == id)));
    }

    private static Task<HttpResponseMessage> SubscribeAsync(NaApplication app, string notifyType, string callbackUrl) =>
        app.Owner.Client.PostAsJsonAsync($"/api/v1/applications/{app.Id}/push/subscriptions", new { notifyType, callbackUrl });
}

public sealed class OwnerSubscriptionTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : OwnerSubscriptionTests<SqliteDatabase>(shoal);

public sealed class OwnerSubscriptionTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : OwnerSubscriptionTests<PostgresDatabase>(shoal);
