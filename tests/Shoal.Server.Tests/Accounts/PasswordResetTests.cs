using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Rules;

namespace Shoal.Server.Tests.Accounts;

/// <summary>Password resets by e-mail, with the mail read from a real SMTP server on loopback.</summary>
public abstract class PasswordResetTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>, IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private const string NewPassword = "a brand new passphrase";
    private SmtpReceiver _smtp = null!;

    public async ValueTask InitializeAsync()
    {
        // Every request of the class comes from the test server's one client address: each test starts with its budget.
        shoal.Time.Advance(TimeSpan.FromMinutes(16));
        _smtp = SmtpReceiver.Start();
        await shoal.ReplaceEmailServersAsync(_smtp);
    }

    public async ValueTask DisposeAsync() => await _smtp.DisposeAsync();

    [Fact]
    public async Task RequestReset_KnownAddress_MailsALinkThatSetsANewPassword()
    {
        var user = await shoal.SignUpAsync();

        (await RequestAsync(user.Email)).EnsureSuccessStatusCode();
        var token = AccountMail.TokenIn(await _smtp.NextToAsync(user.Email));
        var response = await CompleteAsync(token, NewPassword);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await TokenAsync(user.Email, NewPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(user.Email, user.Password)).StatusCode);
    }

    [Fact]
    public async Task RequestReset_UnknownAddress_AnswersExactlyAsForAKnownOne()
    {
        var user = await shoal.SignUpAsync();

        var known = await RequestAsync(user.Email);
        var unknown = await RequestAsync($"nobody-{Guid.NewGuid():N}@example.com");

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CompleteReset_LinkUsedOnce_RefusesItTheSecondTime()
    {
        var user = await shoal.SignUpAsync();
        (await RequestAsync(user.Email)).EnsureSuccessStatusCode();
        var token = AccountMail.TokenIn(await _smtp.NextToAsync(user.Email));
        (await CompleteAsync(token, NewPassword)).EnsureSuccessStatusCode();

        var again = await CompleteAsync(token, "yet another passphrase");

        await again.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Created, (await TokenAsync(user.Email, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task CompleteReset_AfterThirtyMinutes_IsRefusedAndChangesNothing()
    {
        var user = await shoal.SignUpAsync();
        (await RequestAsync(user.Email)).EnsureSuccessStatusCode();
        var token = AccountMail.TokenIn(await _smtp.NextToAsync(user.Email));

        shoal.Time.Advance(TimeSpan.FromMinutes(31));
        var response = await CompleteAsync(token, NewPassword);

        await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Created, (await TokenAsync(user.Email, user.Password)).StatusCode);
    }

    [Fact]
    public async Task CompleteReset_TooShortPassword_IsRefusedAndTheLinkStillWorks()
    {
        var user = await shoal.SignUpAsync();
        (await RequestAsync(user.Email)).EnsureSuccessStatusCode();
        var token = AccountMail.TokenIn(await _smtp.NextToAsync(user.Email));

        await (await CompleteAsync(token, "short")).FieldErrorAsync("newPassword");

        Assert.Equal(HttpStatusCode.NoContent, (await CompleteAsync(token, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task CompleteReset_Done_EndsEveryPortalSession()
    {
        var user = await shoal.SignUpAsync();
        var session = await shoal.SignInWithCookieAsync(user);
        (await RequestAsync(user.Email)).EnsureSuccessStatusCode();
        var token = AccountMail.TokenIn(await _smtp.NextToAsync(user.Email));

        (await CompleteAsync(token, NewPassword)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/api/v1/account")).StatusCode);
    }

    [Fact]
    public async Task RequestReset_ManyTimesForOneAddress_IsThrottledWhetherOrNotItHasAnAccount()
    {
        var user = await shoal.SignUpAsync();
        var unknown = $"nobody-{Guid.NewGuid():N}@example.com";

        foreach (var email in new[] { user.Email, unknown })
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(email)).StatusCode);
            }
            var throttled = await RequestAsync(email);
            await throttled.ProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.True(throttled.Headers.RetryAfter is not null);
        }
    }

    [Fact]
    public async Task OperatorReset_MailsTheUserALink()
    {
        var user = await shoal.SignUpAsync();

        var response = await shoal.Operator.PostAsync($"/api/v1/operator/users/{user.Id}/password-reset", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var token = AccountMail.TokenIn(await _smtp.NextToAsync(user.Email));
        Assert.Equal(HttpStatusCode.NoContent, (await CompleteAsync(token, NewPassword)).StatusCode);
        Assert.Contains("user.password-reset-sent", await user.Client.GetStringAsync("/api/v1/account/audit"), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> RequestAsync(string email) =>
        shoal.CreateClient().PostAsJsonAsync("/api/v1/account/password-reset", new { email });

    private Task<HttpResponseMessage> CompleteAsync(string token, string newPassword) =>
        shoal.CreateClient().PostAsJsonAsync("/api/v1/account/password-reset/complete", new { token, newPassword });

    private Task<HttpResponseMessage> TokenAsync(string email, string password) =>
        shoal.CreateClient().PostAsJsonAsync("/api/v1/tokens", new { email, password, name = "check" });
}

public sealed class PasswordResetTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : PasswordResetTests<SqliteDatabase>(shoal);

public sealed class PasswordResetTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : PasswordResetTests<PostgresDatabase>(shoal);
