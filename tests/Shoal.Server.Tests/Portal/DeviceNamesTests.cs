using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Portal;

/// <summary>Where a record holds only a device's ID, the portal shows the device's name.</summary>
[Collection(BrowserTests.Name)]
public sealed class DeviceNamesTests(PortalApplication shoal) : IClassFixture<PortalApplication>
{
    private static readonly string[] Recipients = ["ops@example.com"];

    [Fact]
    public async Task RulesTab_ConditionOnOneDevice_NamesTheDevice()
    {
        var (owner, applicationId, deviceId) = await NamedDeviceAsync("tara");
        (await owner.Client.PostAsJsonAsync($"/api/v1/applications/{applicationId}/rules", new
        {
            name = "boiler down",
            conditions = new[] { new { type = "DEVICE_STATUS", deviceInfo = new { deviceId }, status = "OFFLINE" } },
            actions = new[] { new { type = "EMAIL", recipients = Recipients, subject = "down", content = "down" } },
        })).EnsureSuccessStatusCode();
        var page = await shoal.SignedInPageAsync(owner);

        await page.GotoAsync($"/applications/{applicationId}/rules");

        Assert.Contains("device boiler room goes OFFLINE", await page.InnerTextAsync("#rules tbody tr"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTab_DeviceRegistered_TheLineNamesTheDevice()
    {
        var (owner, applicationId, deviceId) = await NamedDeviceAsync("uma");
        var page = await shoal.SignedInPageAsync(owner);

        await page.GotoAsync($"/applications/{applicationId}/audit");

        Assert.Contains($"{deviceId} (boiler room)", await page.InnerTextAsync("table"), StringComparison.Ordinal);
    }

    private async Task<(TestUser Owner, string ApplicationId, string DeviceId)> NamedDeviceAsync(string who)
    {
        var owner = await shoal.SignUpAsync(who);
        var applicationId = (await owner.Client.CreateApplicationAsync("plant")).GetProperty("applicationId").GetString()!;
        var created = await (await owner.Client.PostAsJsonAsync($"/api/v1/applications/{applicationId}/devices", new { nodeId = "boiler-1", name = "boiler room", timeout = 0 }))
            .JsonAsync(HttpStatusCode.Created);
        return (owner, applicationId, created.GetProperty("device").GetProperty("id").GetString()!);
    }
}
