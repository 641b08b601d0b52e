using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;

namespace Shoal.Server.Tests.Devices;

/// <summary>Searching, sorting and filtering an application's device list through the management API.</summary>
public abstract class DeviceListApiTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    /// <summary>An application with devices registered by node ID and name, in this order.</summary>
    private async Task<(HttpClient Client, string Devices, Dictionary<string, string> Ids)> DevicesAsync(params (string NodeId, string Name)[] devices)
    {
        var user = await shoal.SignUpAsync();
        var applicationId = await user.Client.DefaultApplicationIdAsync();
        var route = $"/api/v1/applications/{applicationId}/devices";
        var ids = new Dictionary<string, string>();
        foreach (var (nodeId, name) in devices)
        {
            var created = await (await user.Client.PostAsJsonAsync(route, new { nodeId, name, timeout = 0 })).JsonAsync(HttpStatusCode.Created);
            ids[nodeId] = created.GetProperty("device").GetProperty("id").GetString()!;
            shoal.Time.Advance(TimeSpan.FromSeconds(1));
        }
        return (user.Client, route, ids);
    }

    private static async Task<string[]> NodeIdsAsync(HttpClient client, string route) =>
        [.. (await (await client.GetAsync(route)).JsonAsync()).GetProperty("items").EnumerateArray().Select(d => d.GetProperty("nodeId").GetString()!)];

    [Fact]
    public async Task List_Search_FindsAPartOfNameOrNodeIdInAnyCase()
    {
        var (client, devices, _) = await DevicesAsync(("meter-1", "Boiler room"), ("pump-7", "Roof"), ("valve-3", "Cellar BOILER"));

        Assert.Equal(["valve-3", "meter-1"], await NodeIdsAsync(client, $"{devices}?search=boiler"));
        Assert.Equal(["pump-7"], await NodeIdsAsync(client, $"{devices}?search=PUMP"));
    }

    [Fact]
    public async Task List_SearchByDeviceId_FindsThatDevice()
    {
        var (client, devices, ids) = await DevicesAsync(("meter-1", "A"), ("meter-2", "B"));

        Assert.Equal(["meter-2"], await NodeIdsAsync(client, $"{devices}?search={ids["meter-2"][..13].ToUpperInvariant()}"));
    }

    [Fact]
    public async Task List_SortByNameBothWays_OrdersByName()
    {
        var (client, devices, _) = await DevicesAsync(("n-1", "beta"), ("n-2", "alpha"), ("n-3", "gamma"));

        Assert.Equal(["n-2", "n-1", "n-3"], await NodeIdsAsync(client, $"{devices}?sort=name"));
        Assert.Equal(["n-3", "n-1", "n-2"], await NodeIdsAsync(client, $"{devices}?sort=name&order=desc"));
    }

    [Fact]
    public async Task List_SortByNodeIdAndCreated_OrdersByThem()
    {
        var (client, devices, _) = await DevicesAsync(("b", "x"), ("c", "y"), ("a", "z"));

        Assert.Equal(["a", "b", "c"], await NodeIdsAsync(client, $"{devices}?sort=nodeId"));
        Assert.Equal(["b", "c", "a"], await NodeIdsAsync(client, $"{devices}?sort=created&order=asc"));
        Assert.Equal(["a", "c", "b"], await NodeIdsAsync(client, devices));
    }

    [Fact]
    public async Task List_SortByLastSeen_PutsTheLatestFirstAndTheNeverSeenLast()
    {
        var (client, devices, ids) = await DevicesAsync(("never", "x"), ("early", "y"), ("late", "z"));
        await SetAsync(ids["early"], lastSeen: shoal.Time.GetUtcNow().AddHours(-2));
        await SetAsync(ids["late"], lastSeen: shoal.Time.GetUtcNow().AddHours(-1));

        Assert.Equal(["late", "early", "never"], await NodeIdsAsync(client, $"{devices}?sort=lastSeen"));
        Assert.Equal(["early", "late", "never"], await NodeIdsAsync(client, $"{devices}?sort=lastSeen&order=asc"));
    }

    [Fact]
    public async Task List_StatusFilterWithSearchAndSort_KeepsAllThree()
    {
        var (client, devices, ids) = await DevicesAsync(("meter-b", "x"), ("meter-a", "y"), ("pump-c", "z"), ("meter-c", "w"));
        await SetAsync(ids["meter-b"], online: true);
        await SetAsync(ids["meter-a"], online: true);
        await SetAsync(ids["pump-c"], online: true);

        var page = await (await client.GetAsync($"{devices}?status=Online&search=meter&sort=nodeId&pageSize=1&page=2")).JsonAsync();

        Assert.Equal(2, page.GetProperty("totalCount").GetInt32());
        Assert.Equal("meter-b", page.GetProperty("items")[0].GetProperty("nodeId").GetString());
    }

    [Theory]
    [InlineData("sort=color", "sort")]
    [InlineData("sort=1", "sort")]
    [InlineData("sort=name&order=sideways", "order")]
    public async Task List_UnknownSortOrOrder_IsRefusedNamingIt(string query, string field)
    {
        var (client, devices, _) = await DevicesAsync();

        var response = await client.GetAsync($"{devices}?{query}");

        Assert.Contains("lastSeen", await response.FieldErrorAsync(field), StringComparison.Ordinal);
    }

    private async Task SetAsync(string deviceId, DateTimeOffset? lastSeen = null, bool online = false)
    {
        await using var scope = shoal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        var device = await db.Devices.SingleAsync(d => d.Id == deviceId);
        device.LastSeenAt = lastSeen ?? device.LastSeenAt;
        if (online)
        {
            (device.Activated, device.Status) = (true, Storage.Entities.DeviceStatus.Online);
        }
        await db.SaveChangesAsync();
    }
}

public sealed class DeviceListApiTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : DeviceListApiTests<SqliteDatabase>(shoal);

public sealed class DeviceListApiTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : DeviceListApiTests<PostgresDatabase>(shoal);
