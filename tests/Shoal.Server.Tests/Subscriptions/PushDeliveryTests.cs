using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Subscriptions;

/// <summary>Pushes as docs/push.md has them: the reference body, signed, over verified HTTPS, at least once, with dead letters.</summary>
public abstract class PushDeliveryTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Report = """{"services":[{"service_id":"Temperature","properties":{"value":21.5},"event_time":"20261125T101500Z"}]}""";

    [Fact]
    public async Task Report_SubscribedOverHttps_ReceiverGetsTheReferenceBodySignedAndVerifiedByItsCa()
    {
        using var ca = new TestCertificateAuthority();
        await using var receiver = await PushReceiver.StartAsync(ca.IssueServerCertificate());
        var (app, device) = await shoal.NewDeviceAsync(("pushProtocol", "Https"), ("caCertificates", ca.Pem));
        var secret = await app.RotateSigningSecretAsync();
        await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var push = await receiver.NextAsync();
        var requestId = JsonDocument.Parse(push.Body).RootElement.GetProperty("requestId").GetString();
        Assert.Equal(
            $$$"""{"notifyType":"deviceDataChanged","requestId":"{{{requestId}}}","deviceId":"{{{device.Id}}}","gatewayId":"{{{device.Id}}}","service":{"serviceId":"Temperature","serviceType":"Temperature","data":{"value":21.5},"eventTime":"20261125T101500Z"}}""",
            push.Body);
        Assert.StartsWith("application/json", push.ContentType, StringComparison.Ordinal);
        Assert.StartsWith("msg_", push.WebhookId, StringComparison.Ordinal);
        Assert.Equal(shoal.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), push.Timestamp);
        Assert.True(await SignatureVerifier.VerifiesAsync(secret, push));
    }

    [Fact]
    public async Task Report_SignedWithAnotherSecret_FailsTheIndependentVerifier()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        await app.RotateSigningSecretAsync();
        await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        Assert.False(await SignatureVerifier.VerifiesAsync("whsec_" + Convert.ToBase64String(new byte[32]), await receiver.NextAsync()));
    }

    [Fact]
    public async Task SigningSecret_Rotated_BothSecretsVerifyDuringTheOverlap()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        var old = await app.RotateSigningSecretAsync();
        var current = await app.RotateSigningSecretAsync();
        await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var push = await receiver.NextAsync();
        Assert.True(await SignatureVerifier.VerifiesAsync(old, push));
        Assert.True(await SignatureVerifier.VerifiesAsync(current, push));
    }

    [Fact]
    public async Task SigningSecret_AfterTheOverlap_OnlyTheNewOneSigns()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        var old = await app.RotateSigningSecretAsync();
        var current = await app.RotateSigningSecretAsync();
        await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        shoal.Time.Advance(shoal.DeliveryOptions.SigningSecretOverlap + TimeSpan.FromSeconds(1));
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var push = await receiver.NextAsync();
        Assert.False(await SignatureVerifier.VerifiesAsync(old, push));
        Assert.True(await SignatureVerifier.VerifiesAsync(current, push));
    }

    [Fact]
    public async Task Push_CallbackThatNowResolvesInside_IsRefusedAtConnectTime()
    {
        var (app, device) = await shoal.NewDeviceAsync();
        var subscriptionId = await SubscribeAsync(app, "deviceDataChanged", "http://127.0.0.1:9/push");
        // As if the callback's name had been re-pointed at a private address after the subscription was accepted.
        await shoal.QueryAsync(db => db.Subscriptions.Where(s => s.Id == subscriptionId)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.CallbackUrl, "http://10.255.255.1/push")));
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var attempt = await FirstAttemptAsync(app);
        Assert.Contains("internal address", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_MultipleServices_PushesDeviceDatasChangedOnceWithEveryService()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        await SubscribeAsync(app, "deviceDatasChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":{"value":1},"event_time":"20261125T101500Z"},{"service_id":"Humidity","properties":{"value":40},"event_time":"20261125T101500Z"}]}""");

        var body = JsonDocument.Parse((await receiver.NextAsync()).Body).RootElement;
        Assert.Equal("deviceDatasChanged", body.GetProperty("notifyType").GetString());
        Assert.Equal(["Temperature", "Humidity"], body.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("serviceId").GetString()));
    }

    [Fact]
    public async Task Connect_FirstTime_PushesBindDeviceWithTheDeviceInfo()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, device) = await shoal.NewDeviceAsync();
        await SubscribeAsync(app, "bindDevice", receiver.Url());

        using var client = await shoal.ConnectAsync(device);

        var body = JsonDocument.Parse((await receiver.NextAsync()).Body).RootElement;
        Assert.Equal(("bindDevice", device.Id, "succeeded"),
            (body.GetProperty("notifyType").GetString(), body.GetProperty("deviceId").GetString(), body.GetProperty("resultCode").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("deviceInfo").GetProperty("nodeId").GetString()));
    }

    [Fact]
    public async Task Push_ReceiverCertificateFromAnotherCa_FailsClosedAndTheLogSaysWhy()
    {
        using var ca = new TestCertificateAuthority();
        await using var receiver = await PushReceiver.StartAsync(ca.IssueServerCertificate());
        var (app, device) = await shoal.NewDeviceAsync(("pushProtocol", "Https"), ("caCertificates", Certificates.CaPem("CN=Somebody Else")));
        await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var attempt = await FirstAttemptAsync(app);
        Assert.Null(attempt.GetProperty("status").GetString());
        Assert.Contains("TLS", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Push_ReceiverCertificateForAnotherHost_FailsClosed()
    {
        using var ca = new TestCertificateAuthority();
        await using var receiver = await PushReceiver.StartAsync(ca.IssueServerCertificate("127.0.0.2"));
        var (app, device) = await shoal.NewDeviceAsync(("pushProtocol", "Https"), ("caCertificates", ca.Pem));
        await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        Assert.Contains("TLS", (await FirstAttemptAsync(app)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Push_ReceiverFailingAtRandom_ReceivesEveryEventAndRepeatsKeepTheirWebhookId()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => Random.Shared.NextDouble() < 0.3 ? 500 : 200;
        var (app, device) = await shoal.NewDeviceAsync();
        await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);
        const int reports = 30;

        for (var i = 0; i < reports; i++)
        {
            await client.ReportAsync(device, Report.Replace("21.5", i.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        var delivered = new HashSet<string>();
        while (delivered.Count < reports)
        {
            var push = await receiver.NextAsync(() => shoal.Time.Advance(TimeSpan.FromMinutes(1)));
            if (push.AnsweredStatus == 200)
            {
                delivered.Add(JsonDocument.Parse(push.Body).RootElement.GetProperty("service").GetProperty("data").GetProperty("value").ToString());
            }
        }
        Assert.Equal(Enumerable.Range(0, reports).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), delivered.Order());
        Assert.All(receiver.Received.GroupBy(p => p.WebhookId), repeats => Assert.Single(repeats.Select(p => p.Body).Distinct()));
        Assert.Equal(reports, receiver.Received.Select(p => p.WebhookId).Distinct().Count());
    }

    [Fact]
    public async Task Push_Receiver410_DisablesTheSubscription()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => 410;
        var (app, device) = await shoal.NewDeviceAsync();
        var subscriptionId = await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        await shoal.EventuallyAsync(db => db.Subscriptions.AnyAsync(s => s.Id == subscriptionId && s.State == SubscriptionState.Disabled));
        var health = (await app.PushOverviewAsync()).GetProperty("subscriptions")[0];
        Assert.Equal(("Disabled", false), (health.GetProperty("state").GetString(), health.GetProperty("valid").GetBoolean()));
        Assert.Equal(1, (await app.DeadLettersAsync()).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Push_ReceiverRedirects_IsAFailureAndTheRedirectIsNotFollowed()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = response =>
        {
            response.Headers.Location = receiver.Url("/elsewhere");
            return 302;
        };
        var (app, device) = await shoal.NewDeviceAsync();
        await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        Assert.Equal(302, (await FirstAttemptAsync(app)).GetProperty("status").GetInt32());
        Assert.Equal(["/push"], receiver.Received.Select(p => p.Path).Distinct());
    }

    [Fact]
    public async Task Push_ReceiverAsksToRetryLater_NextAttemptWaitsAtLeastThatLong()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = response =>
        {
            response.Headers.RetryAfter = "7200";
            return 503;
        };
        var (app, device) = await shoal.NewDeviceAsync();
        var subscriptionId = await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        await FirstAttemptAsync(app);
        var delivery = await shoal.QueryAsync(db => db.PushDeliveries.AsNoTracking().SingleAsync(d => d.SubscriptionId == subscriptionId));
        Assert.True(delivery.NextAttemptAt >= shoal.Time.GetUtcNow() + TimeSpan.FromSeconds(7199), $"Next attempt at {delivery.NextAttemptAt}.");
    }

    [Fact]
    public async Task Push_TenConsecutiveFailures_MarkTheUrlInvalidAndDataWaitsUntilAProbeSucceeds()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => 500;
        var (app, device) = await shoal.NewDeviceAsync();
        var subscriptionId = await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Report);

        while (receiver.Received.Count < shoal.DeliveryOptions.FailuresBeforeInvalid)
        {
            await receiver.NextAsync(() => shoal.Time.Advance(TimeSpan.FromMinutes(10)));
        }
        await shoal.EventuallyAsync(db => db.Subscriptions.AnyAsync(s => s.Id == subscriptionId && s.State == SubscriptionState.Invalid));
        await client.ReportAsync(device, Report);
        await client.ReportAsync(device, Report);
        await shoal.EventuallyAsync(db => db.PushDeliveries.CountAsync(d => d.SubscriptionId == subscriptionId).ContinueWith(c => c.Result == 3, TaskScheduler.Default));
        var health = (await app.PushOverviewAsync()).GetProperty("subscriptions")[0];
        Assert.Equal((false, 3), (health.GetProperty("valid").GetBoolean(), health.GetProperty("backlog").GetInt32()));

        receiver.Answer = _ => 200;
        shoal.Time.Advance(shoal.DeliveryOptions.ProbeInterval);

        await shoal.EventuallyAsync(db => db.PushDeliveries.AllAsync(d => d.SubscriptionId != subscriptionId || d.State == PushDeliveryState.Delivered));
        Assert.True((await app.PushOverviewAsync()).GetProperty("subscriptions")[0].GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task DeadLetter_AfterTheRetryWindow_IsListedAndReplayDeliversItWithItsWebhookId()
    {
        await using var receiver = await PushReceiver.StartAsync();
        receiver.Answer = _ => 500;
        var (app, device) = await shoal.NewDeviceAsync();
        var subscriptionId = await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Report);
        var first = await receiver.NextAsync();

        shoal.Time.Advance(TimeSpan.FromMinutes(PlatformSettings.DefaultPushRetryWindowMinutes) + TimeSpan.FromHours(1));
        await shoal.EventuallyAsync(db => db.PushDeliveries.AnyAsync(d => d.SubscriptionId == subscriptionId && d.State == PushDeliveryState.DeadLettered));
        var letter = (await app.DeadLettersAsync()).GetProperty("items").EnumerateArray().Single();
        Assert.Equal((first.WebhookId, first.Body), (letter.GetProperty("webhookId").GetString(), letter.GetProperty("body").GetString()));
        Assert.Contains("retry window", letter.GetProperty("lastError").GetString(), StringComparison.Ordinal);

        receiver.Answer = _ => 200;
        var replay = await app.Owner.Client.PostAsync($"/api/v1/applications/{app.Id}/push/dead-letters/{letter.GetProperty("id").GetInt64()}/replay", null);

        Assert.Equal(1, (await replay.JsonAsync()).GetProperty("replayed").GetInt32());
        ReceivedPush replayed;
        do
        {
            replayed = await receiver.NextAsync();
        }
        while (replayed.AnsweredStatus != 200);
        Assert.Equal(first.WebhookId, replayed.WebhookId);
        Assert.Equal(0, (await app.DeadLettersAsync()).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Report_PushServiceOff_PushesNothing()
    {
        var (app, device) = await shoal.NewDeviceAsync(("pushService", false));
        var subscriptionId = await SubscribeAsync(app, "deviceDataChanged", "http://127.0.0.1:9/push");
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        var eventId = await shoal.QueryAsync(db => db.DeviceEvents.Where(e => e.DeviceId == device.Id).MaxAsync(e => e.Id));
        await shoal.EventuallyAsync(db => db.PushCursors.AnyAsync(c => c.LastEventId >= eventId));
        Assert.False(await shoal.QueryAsync(db => db.PushDeliveries.AnyAsync(d => d.SubscriptionId == subscriptionId)));
    }

    [Fact]
    public async Task Push_ClaimedByANodeThatDied_IsSentWhenTheClaimLapses()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, _) = await shoal.NewDeviceAsync();
        var subscriptionId = await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        var now = shoal.Time.GetUtcNow();
        var claimedUntil = now + TimeSpan.FromMinutes(1);
        await shoal.QueryAsync(db =>
        {
            db.PushDeliveries.Add(new PushDelivery
            {
                WebhookId = "msg_orphan", SubscriptionId = subscriptionId, ApplicationId = app.Id, NotifyType = "deviceDataChanged",
                Body = "{}", CreatedAt = now, NextAttemptAt = now, ClaimToken = Guid.NewGuid(), ClaimedUntil = claimedUntil,
            });
            return db.SaveChangesAsync();
        });
        await shoal.RunPushRoundAsync();
        Assert.Empty(receiver.Received);

        shoal.Time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal("msg_orphan", (await receiver.NextAsync()).WebhookId);
    }

    [Fact]
    public async Task Push_WorkersRacingForTheSameDeliveries_SendEachOnce()
    {
        await using var receiver = await PushReceiver.StartAsync();
        var (app, _) = await shoal.NewDeviceAsync();
        var subscriptionId = await SubscribeAsync(app, "deviceDataChanged", receiver.Url());
        const int deliveries = 200;
        await shoal.QueryAsync(async db =>
        {
            for (var i = 0; i < deliveries; i++)
            {
                db.PushDeliveries.Add(new PushDelivery
                {
                    WebhookId = $"msg_race_{i}", SubscriptionId = subscriptionId, ApplicationId = app.Id, NotifyType = "deviceDataChanged",
                    Body = "{}", CreatedAt = shoal.Time.GetUtcNow(), NextAttemptAt = shoal.Time.GetUtcNow(),
                });
            }
            return await db.SaveChangesAsync();
        });

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(shoal.RunPushRoundAsync)));

        await shoal.EventuallyAsync(db => db.PushDeliveries.AllAsync(d => d.SubscriptionId != subscriptionId || d.State == PushDeliveryState.Delivered));
        Assert.Equal(deliveries, receiver.Received.Count);
        Assert.Equal(deliveries, receiver.Received.Select(p => p.WebhookId).Distinct().Count());
    }

    private static async Task<string> SubscribeAsync(NaApplication app, string notifyType, string callbackUrl) =>
        (await (await app.Na.SubscribeAsync(notifyType, callbackUrl)).JsonAsync(HttpStatusCode.Created)).GetProperty("subscriptionId").GetString()!;

    /// <summary>The first entry of the application's delivery log, once there is one.</summary>
    private async Task<JsonElement> FirstAttemptAsync(NaApplication app)
    {
        await shoal.EventuallyAsync(db => db.PushAttempts.AnyAsync(a => db.Subscriptions.Any(s => s.Id == a.SubscriptionId && s.ApplicationId == app.Id)));
        return (await app.PushAttemptsAsync()).GetProperty("items").EnumerateArray().Last();
    }
}

public sealed class PushDeliveryTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : PushDeliveryTests<SqliteDatabase>(shoal);

public sealed class PushDeliveryTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : PushDeliveryTests<PostgresDatabase>(shoal);
