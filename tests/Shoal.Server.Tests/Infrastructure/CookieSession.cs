using System.Text.RegularExpressions;

namespace Shoal.Server.Tests.Infrastructure;

/// <summary>A browser-like client: signed in through the portal's form, carrying the session cookie and the antiforgery token.</summary>
public static partial class CookieSession
{
    public static async Task<HttpClient> SignInWithCookieAsync<TDatabase>(this ShoalApplication<TDatabase> shoal, TestUser user)
        where TDatabase : ITestDatabase, new()
    {
        ArgumentNullException.ThrowIfNull(shoal);
        ArgumentNullException.ThrowIfNull(user);
        var client = shoal.CreateClient();
        var signIn = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = user.Email,
            ["password"] = user.Password,
            ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(client, "/account/sign-in"),
        });
        (await client.PostAsync("/account/sign-in", signIn)).EnsureSuccessStatusCode();
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", await AntiforgeryTokenAsync(client, "/account/tokens"));
        return client;
    }

    private static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        return AntiforgeryField().Match(html) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException($"{page} has no antiforgery token.");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
