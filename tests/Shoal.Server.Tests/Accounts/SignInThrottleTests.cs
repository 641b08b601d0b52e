using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Accounts;

/// <summary>
/// Every test client comes from the same address, so each test starts a fresh throttle window
/// by moving the clock past the failures of the tests before it.
/// </summary>
public abstract class SignInThrottleTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task SignIn_AfterFiveWrongPasswords_RefusesEvenTheRightOneWith429AndRetryAfter()
    {
        shoal.Time.Advance(Window);
        var user = await shoal.SignUpAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(user.Email, "wrong password!")).StatusCode);
        }

        var response = await SignInAsync(user.Email, user.Password);

        await response.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
    }

    [Fact]
    public async Task SignIn_FifteenMinutesAfterBeingThrottled_AcceptsTheRightPassword()
    {
        shoal.Time.Advance(Window);
        var user = await shoal.SignUpAsync();
        for (var i = 0; i < 5; i++)
        {
            await SignInAsync(user.Email, "wrong password!");
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(user.Email, user.Password)).StatusCode);

        shoal.Time.Advance(Window);
        var response = await SignInAsync(user.Email, user.Password);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task SignIn_TwentyFailuresAcrossAccountsFromOneAddress_Answers429()
    {
        shoal.Time.Advance(Window);
        var user = await shoal.SignUpAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync($"nobody-{i}@example.com", "wrong password!")).StatusCode);
        }

        var response = await SignInAsync(user.Email, user.Password);

        await response.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    private Task<HttpResponseMessage> SignInAsync(string email, string password) =>
        shoal.CreateClient().PostAsJsonAsync("/api/v1/tokens", new { email, password, name = "throttle" });
}

public sealed class SignInThrottleTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : SignInThrottleTests<SqliteDatabase>(shoal);

public sealed class SignInThrottleTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : SignInThrottleTests<PostgresDatabase>(shoal);
