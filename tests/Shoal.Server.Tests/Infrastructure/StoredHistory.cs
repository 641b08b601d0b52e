using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Storage;
using Shoal.Storage.Entities;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>Devices and what they reported, written straight to the database as the gateway writes them.</summary>
public static class StoredHistory
{
    /// <summary>Registers a device through the management API and returns its ID.</summary>
    public static async Task<string> RegisterDeviceAsync(this HttpClient client, string applicationId, string nodeId = "meter-1") =>
        (await (await client.PostAsJsonAsync($"/api/v1/applications/{applicationId}/devices", new { nodeId, timeout = 0 })).JsonAsync(HttpStatusCode.Created))
            .GetProperty("device").GetProperty("id").GetString()!;

    /// <summary>Stores one report of a service: a history row, and the service's latest value when it is the newest.</summary>
    public static async Task StoreReportAsync(
        this IServiceProvider services, string applicationId, string deviceId, string serviceId, DateTimeOffset eventTime, string data)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShoalDb>();
        using var json = JsonDocument.Parse(data);
        var names = json.RootElement.EnumerateObject().Select(p => p.Name);
        db.DeviceDataPoints.Add(new DeviceDataPoint
        {
            ApplicationId = applicationId,
            DeviceId = deviceId,
            ServiceId = serviceId,
            Data = data,
            PropertyNames = $",{string.Join(',', names)},",
            EventTime = eventTime,
            ReceivedAt = eventTime,
        });
        var state = await db.DeviceServiceStates.FindAsync(deviceId, serviceId);
        if (state is null)
        {
            db.DeviceServiceStates.Add(new DeviceServiceState { DeviceId = deviceId, ServiceId = serviceId, Data = data, EventTime = eventTime });
        }
        else if (state.EventTime <= eventTime)
        {
            (state.Data, state.EventTime) = (data, eventTime);
        }
        await db.SaveChangesAsync();
    }

    /// <summary>The event times of a device's stored history, oldest first.</summary>
    public static async Task<List<DateTimeOffset>> StoredTimesAsync(this IServiceProvider services, string deviceId)
    {
        await using var scope = services.CreateAsyncScope();
        var times = await scope.ServiceProvider.GetRequiredService<ShoalDb>().DeviceDataPoints.AsNoTracking()
            .Where(p => p.DeviceId == deviceId).Select(p => p.EventTime).ToListAsync();
        return [.. times.Order()];
    }
}
