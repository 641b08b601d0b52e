using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Shoal.Server.Tests.Infrastructure;

public static class ApiAssertions
{
    /// <summary>Asserts a ProblemDetails answer with <paramref name="status"/> and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Asserts a 400 whose errors name <paramref name="field"/>, and returns that field's messages.</summary>
    public static async Task<string> FieldErrorAsync(this HttpResponseMessage response, string field)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors), $"No field errors in: {problem}");
        Assert.True(errors.TryGetProperty(field, out var messages), $"No error for '{field}' in: {errors}");
        return string.Join(" ", messages.EnumerateArray().Select(m => m.GetString()));
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
