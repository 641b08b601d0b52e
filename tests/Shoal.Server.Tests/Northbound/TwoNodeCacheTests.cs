using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Northbound;

/// <summary>
/// A change made on one node voids what another node sharing the database cached. The second node's clock never
/// moves, so its cached answers never age out: only the change relayed from the first node can end each wait.
/// </summary>
public sealed class TwoNodeCacheTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    [Fact]
    public async Task Token_ResetOnTheFirstNode_IsRefusedOnTheSecond()
    {
        var (app, second) = await CachedOnSecondAsync();

        (await app.Owner.Client.PostAsJsonAsync($"{Route}/{app.Id}/secret", new { })).EnsureSuccessStatusCode();

        await UntilAsync(() => second.GetAsync(NaClient.DevicesPath), "1010005");
    }

    [Fact]
    public async Task Token_LoggedOutOnTheFirstNode_IsRefusedOnTheSecond()
    {
        var (app, second) = await CachedOnSecondAsync();

        (await app.Na.Http.PostAsJsonAsync(NaClient.LogoutPath, new { accessToken = app.Na.AccessToken })).EnsureSuccessStatusCode();

        await UntilAsync(() => second.GetAsync(NaClient.DevicesPath), "1010005");
    }

    [Fact]
    public async Task Application_FrozenOnTheFirstNode_IsFrozenOnTheSecond()
    {
        var (app, second) = await CachedOnSecondAsync();

        (await nodes.First.Operator.PostAsync($"/api/v1/operator/applications/{app.Id}/freeze", null)).EnsureSuccessStatusCode();

        await UntilAsync(() => second.GetAsync(NaClient.DevicesPath), "100247");
    }

    [Fact]
    public async Task Application_DeletedOnTheFirstNode_IsRefusedOnTheSecond()
    {
        var (app, second) = await CachedOnSecondAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await app.Owner.Client.DeleteAsync($"{Route}/{app.Id}?confirmName={app.Name}")).StatusCode);

        await UntilAsync(() => second.GetAsync(NaClient.DevicesPath), "1010005");
    }

    [Fact]
    public async Task Device_ChangedOnTheFirstNode_ShowsTheChangeOnTheSecond()
    {
        var (app, second) = await CachedOnSecondAsync();
        var deviceId = await app.Na.RegisterAsync("renamed-1", "before");
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await app.Na.SendAsync(HttpMethod.Put, $"{NaClient.DevicesPath}/{deviceId}", new { name = "after" })).StatusCode);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await (await second.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).JsonAsync()).GetProperty("deviceInfo").GetProperty("name").GetString() != "after")
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    [Fact]
    public async Task Device_DeletedOnTheFirstNode_IsMissingOnTheSecond()
    {
        var (app, second) = await CachedOnSecondAsync();
        var deviceId = await app.Na.RegisterAsync("deleted-1");
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync($"{NaClient.DevicesPath}/{deviceId}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await app.Na.SendAsync(HttpMethod.Delete, $"{NaClient.DevicesPath}/{deviceId}")).StatusCode);

        await UntilAsync(() => second.GetAsync($"{NaClient.DevicesPath}/{deviceId}"), "100418");
    }

    [Fact]
    public async Task DeviceList_RegisteredOnTheFirstNode_CountsOnTheSecond()
    {
        var (app, second) = await CachedOnSecondAsync();
        await app.Na.RegisterAsync("counted-1");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await second.DevicesAsync()).GetProperty("totalCount").GetInt32() != 1)
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    /// <summary>An application logged in on the first node, and its NA on the second with the same token, checked there once.</summary>
    private async Task<(NaApplication App, NaClient Second)> CachedOnSecondAsync()
    {
        var app = await nodes.First.NewApplicationAsync();
        var second = new NaClient(nodes.Second.CreateClient(), app.Id) { AccessToken = app.Na.AccessToken };
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync(NaClient.DevicesPath)).StatusCode);
        return (app, second);
    }

    /// <summary>Calls until the answer is the error <paramref name="code"/>.</summary>
    private static async Task UntilAsync(Func<Task<HttpResponseMessage>> call, string code)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(await (await call()).Content.ReadAsStringAsync(deadline.Token)).Contains($"\"error_code\":\"{code}\"", StringComparison.Ordinal))
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
