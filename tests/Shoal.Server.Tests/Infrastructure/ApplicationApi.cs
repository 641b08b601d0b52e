using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>Short ways to create and read applications through the management API.</summary>
public static class ApplicationApi
{
    public const string Route = "/api/v1/applications";

    /// <summary>A valid creation body, with <paramref name="fields"/> added or replaced.</summary>
    public static Dictionary<string, object?> Body(string name, params (string Field, object? Value)[] fields)
    {
        var body = new Dictionary<string, object?> { ["name"] = name, ["industry"] = "agriculture", ["acceptTerms"] = true };
        foreach (var (field, value) in fields)
        {
            body[field] = value;
        }
        return body;
    }

    /// <summary>Creates an application and returns the creation answer (ID, secret, addresses, application).</summary>
    public static async Task<JsonElement> CreateApplicationAsync(this HttpClient client, string name, params (string Field, object? Value)[] fields) =>
        await (await client.PostAsJsonAsync(Route, Body(name, fields))).JsonAsync(HttpStatusCode.Created);

    public static async Task<JsonElement> GetApplicationAsync(this HttpClient client, string id) =>
        await (await client.GetAsync($"{Route}/{id}")).JsonAsync();

    public static async Task<int> CountApplicationsAsync(this HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>(Route)).GetProperty("totalCount").GetInt32();

    public static async Task<string> DefaultApplicationIdAsync(this HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>(Route)).GetProperty("items").EnumerateArray()
            .Single(a => a.GetProperty("isDefault").GetBoolean()).GetProperty("id").GetString()!;
}
