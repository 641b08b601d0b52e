using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Commands;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;
using Shoal.Server.Tests.Subscriptions;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Grants;

/// <summary>
/// What an NA made through a grant (subscriptions, command callbacks) pushes only while the grant holds: a revoke
/// takes it away at once, an expiry stops it at the next push, and it never takes the grantor's own place.
/// </summary>
public abstract class GrantedPushTests<TDatabase>(PushApplication<TDatabase> shoal) : IClassFixture<PushApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Report = """{"services":[{"service_id":"Meter","properties":{"code":424242}}]}""";

    [Fact]
    public async Task Revoke_GranteeSubscribed_ItsReceiverGetsNothingMore()
    {
        await using var ownReceiver = await PushReceiver.StartAsync();
        await using var granteeReceiver = await PushReceiver.StartAsync();
        var (grantor, device) = await shoal.NewDeviceAsync();
        var grantee = await shoal.NewApplicationAsync();
        var grantId = await GrantAsync(grantor, grantee);
        await SubscribeThroughGrantAsync(grantee, grantor, granteeReceiver.Url());
        await grantor.Na.SubscribeAsync("deviceDataChanged", ownReceiver.Url());
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Report);
        await granteeReceiver.NextAsync();
        await ownReceiver.NextAsync();

        await RevokeAsync(grantor, grantId);
        await client.ReportAsync(device, Report);
        await ownReceiver.NextAsync();

        Assert.Single(granteeReceiver.Received);
        Assert.False(await shoal.QueryAsync(db => db.Subscriptions.AnyAsync(s => s.SubscriberId == grantee.Id)));
        Assert.False(await shoal.QueryAsync(db => db.PushDeliveries.AnyAsync(d => d.RecipientId == grantee.Id && d.State != PushDeliveryState.DeadLettered)));
    }

    [Fact]
    public async Task Revoke_PushQueuedForTheGrantee_IsNeverSent()
    {
        await using var granteeReceiver = await PushReceiver.StartAsync();
        granteeReceiver.Answer = _ => StatusCodes.Status503ServiceUnavailable;
        var (grantor, device) = await shoal.NewDeviceAsync();
        var grantee = await shoal.NewApplicationAsync();
        var grantId = await GrantAsync(grantor, grantee);
        await SubscribeThroughGrantAsync(grantee, grantor, granteeReceiver.Url());
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Report);
        await granteeReceiver.NextAsync();
        await shoal.EventuallyAsync(db => db.PushDeliveries.AnyAsync(d => d.RecipientId == grantee.Id && d.Attempts == 1 && d.ClaimToken == null));

        await RevokeAsync(grantor, grantId);
        granteeReceiver.Answer = _ => StatusCodes.Status200OK;
        shoal.Time.Advance(TimeSpan.FromHours(2));
        await shoal.RunPushRoundAsync();

        Assert.Single(granteeReceiver.Received);
        Assert.False(await shoal.QueryAsync(db => db.PushDeliveries.AnyAsync(d => d.RecipientId == grantee.Id && d.State == PushDeliveryState.Pending)));
    }

    [Fact]
    public async Task Expiry_PushQueuedForTheGrantee_IsDeadLetteredNotSent()
    {
        await using var granteeReceiver = await PushReceiver.StartAsync();
        granteeReceiver.Answer = _ => StatusCodes.Status503ServiceUnavailable;
        var (grantor, device) = await shoal.NewDeviceAsync();
        var grantee = await shoal.NewApplicationAsync();
        await GrantAsync(grantor, grantee, shoal.Time.GetUtcNow().AddHours(1));
        await SubscribeThroughGrantAsync(grantee, grantor, granteeReceiver.Url());
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Report);
        await granteeReceiver.NextAsync();
        await shoal.EventuallyAsync(db => db.PushDeliveries.AnyAsync(d => d.RecipientId == grantee.Id && d.Attempts == 1 && d.ClaimToken == null));

        granteeReceiver.Answer = _ => StatusCodes.Status200OK;
        shoal.Time.Advance(TimeSpan.FromHours(2));
        await shoal.RunPushRoundAsync();
        await shoal.EventuallyAsync(db => db.PushDeliveries.AnyAsync(d => d.RecipientId == grantee.Id && d.State != PushDeliveryState.Pending));

        Assert.Single(granteeReceiver.Received);
        var letter = await shoal.QueryAsync(db => db.PushDeliveries.AsNoTracking().SingleAsync(d => d.RecipientId == grantee.Id));
        Assert.Equal(PushDeliveryState.DeadLettered, letter.State);
        Assert.Contains("grant", letter.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expiry_ReportAfterIt_MakesNoPushForTheGrantee()
    {
        await using var ownReceiver = await PushReceiver.StartAsync();
        await using var granteeReceiver = await PushReceiver.StartAsync();
        var (grantor, device) = await shoal.NewDeviceAsync();
        var grantee = await shoal.NewApplicationAsync();
        await GrantAsync(grantor, grantee, shoal.Time.GetUtcNow().AddHours(1));
        await SubscribeThroughGrantAsync(grantee, grantor, granteeReceiver.Url());
        await grantor.Na.SubscribeAsync("deviceDataChanged", ownReceiver.Url());
        using var client = await shoal.ConnectAsync(device);

        shoal.Time.Advance(TimeSpan.FromHours(2));
        await client.ReportAsync(device, Report);
        await ownReceiver.NextAsync();

        Assert.Empty(granteeReceiver.Received);
        Assert.False(await shoal.QueryAsync(db => db.PushDeliveries.AnyAsync(d => d.RecipientId == grantee.Id)));
    }

    [Fact]
    public async Task Subscribe_GranteeHoldsTheType_TheOwnerStillSubscribesAndBothReceive()
    {
        await using var ownReceiver = await PushReceiver.StartAsync();
        await using var granteeReceiver = await PushReceiver.StartAsync();
        var (grantor, device) = await shoal.NewDeviceAsync();
        var grantee = await shoal.NewApplicationAsync();
        await GrantAsync(grantor, grantee);
        await SubscribeThroughGrantAsync(grantee, grantor, granteeReceiver.Url());

        var own = await grantor.Na.SubscribeAsync("deviceDataChanged", ownReceiver.Url());
        using var client = await shoal.ConnectAsync(device);
        await client.ReportAsync(device, Report);

        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        Assert.Contains("424242", (await ownReceiver.NextAsync()).Body, StringComparison.Ordinal);
        Assert.Contains("424242", (await granteeReceiver.NextAsync()).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_ThroughAGrant_IsSignedWithTheGranteesSecret()
    {
        await using var granteeReceiver = await PushReceiver.StartAsync();
        var (grantor, device) = await shoal.NewDeviceAsync();
        var grantee = await shoal.NewApplicationAsync();
        var granteeSecret = await grantee.RotateSigningSecretAsync();
        await GrantAsync(grantor, grantee);
        await SubscribeThroughGrantAsync(grantee, grantor, granteeReceiver.Url());
        using var client = await shoal.ConnectAsync(device);

        await client.ReportAsync(device, Report);

        Assert.True(await SignatureVerifier.VerifiesAsync(granteeSecret, await granteeReceiver.NextAsync()));
    }

    [Fact]
    public async Task Revoke_CommandSentThroughTheGrant_ItsLaterStatesAreNotPushedToItsCallback()
    {
        await using var granteeReceiver = await PushReceiver.StartAsync();
        var (grantor, device) = await shoal.NewDeviceAsync();
        var grantee = await shoal.NewApplicationAsync();
        var grantId = await GrantAsync(grantor, grantee);
        var command = await (await grantee.Na.SendAsync(HttpMethod.Post, $"{DeviceCommandTests<TDatabase>.CommandsPath}?appId={grantor.Id}", new
        {
            deviceId = device.Id,
            command = new { serviceId = "Switch", method = "SET", paras = new { on = true } },
            callbackUrl = granteeReceiver.Url(),
        })).JsonAsync(HttpStatusCode.Created);
        await granteeReceiver.NextAsync();

        await RevokeAsync(grantor, grantId);
        var canceled = await grantor.Na.SendAsync(
            HttpMethod.Put, $"{DeviceCommandTests<TDatabase>.CommandsPath}/{command.GetProperty("commandId").GetString()}", new { status = "CANCELED" });
        await shoal.RunPushRoundAsync();

        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        Assert.Single(granteeReceiver.Received);
        Assert.False(await shoal.QueryAsync(db => db.PushDeliveries.AnyAsync(d => d.RecipientId == grantee.Id && d.State == PushDeliveryState.Pending)));
    }

    private static async Task<Guid> GrantAsync(NaApplication grantor, NaApplication grantee, DateTimeOffset? expiresAt = null) =>
        (await (await grantor.Owner.Client.PostAsJsonAsync($"/api/v1/applications/{grantor.Id}/grants", new { granteeApplicationId = grantee.Id, level = "Edit", expiresAt }))
            .JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task RevokeAsync(NaApplication grantor, Guid grantId) =>
        Assert.Equal(HttpStatusCode.NoContent, (await grantor.Owner.Client.DeleteAsync($"/api/v1/applications/{grantor.Id}/grants/{grantId}")).StatusCode);

    private static async Task SubscribeThroughGrantAsync(NaApplication grantee, NaApplication grantor, string callbackUrl) =>
        Assert.Equal(HttpStatusCode.Created, (await grantee.Na.SubscribeAsync("deviceDataChanged", callbackUrl, $"?appId={grantor.Id}")).StatusCode);
}

public sealed class GrantedPushTestsOnSqlite(PushApplication<SqliteDatabase> shoal) : GrantedPushTests<SqliteDatabase>(shoal);

public sealed class GrantedPushTestsOnPostgres(PushApplication<PostgresDatabase> shoal) : GrantedPushTests<PostgresDatabase>(shoal);
