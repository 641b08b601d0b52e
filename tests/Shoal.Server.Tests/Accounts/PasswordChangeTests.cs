using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Accounts;

public abstract class PasswordChangeTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string NewPassword = "a brand new passphrase";

    [Fact]
    public async Task ChangePassword_WithCurrentPassword_SignsInOnlyWithTheNewOne()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PutAsJsonAsync("/api/v1/account/password", new { currentPassword = user.Password, newPassword = NewPassword });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(user.Email, user.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await TokenAsync(user.Email, NewPassword)).StatusCode);
    }

    [Fact]
    public async Task ChangePassword_WrongCurrentPassword_IsRefusedAndChangesNothing()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PutAsJsonAsync("/api/v1/account/password", new { currentPassword = "not my password", newPassword = NewPassword });

        await response.FieldErrorAsync("currentPassword");
        Assert.Equal(HttpStatusCode.Created, (await TokenAsync(user.Email, user.Password)).StatusCode);
    }

    [Fact]
    public async Task ChangePassword_TooShortNewPassword_IsRefusedAndChangesNothing()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PutAsJsonAsync("/api/v1/account/password", new { currentPassword = user.Password, newPassword = "short" });

        await response.FieldErrorAsync("newPassword");
        Assert.Equal(HttpStatusCode.Created, (await TokenAsync(user.Email, user.Password)).StatusCode);
    }

    [Fact]
    public async Task ChangePassword_FromOneSession_EndsTheOtherSessionsButKeepsApiTokens()
    {
        var user = await shoal.SignUpAsync();
        var changing = await shoal.SignInWithCookieAsync(user);
        var other = await shoal.SignInWithCookieAsync(user);

        (await changing.PutAsJsonAsync("/api/v1/account/password", new { currentPassword = user.Password, newPassword = NewPassword })).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/v1/account")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await changing.GetAsync("/api/v1/account")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/api/v1/account")).StatusCode);
    }

    [Fact]
    public async Task ChangePassword_Done_IsInTheAccountAuditLog()
    {
        var user = await shoal.SignUpAsync();

        (await user.Client.PutAsJsonAsync("/api/v1/account/password", new { currentPassword = user.Password, newPassword = NewPassword })).EnsureSuccessStatusCode();

        var audit = await user.Client.GetStringAsync("/api/v1/account/audit");
        Assert.Contains("account.password-changed", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(NewPassword, audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateProfile_NewEmailWithoutCurrentPassword_IsRefusedAndChangesNothing()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PutAsJsonAsync("/api/v1/account/profile", new { email = $"moved-{Guid.NewGuid():N}@example.com" });

        await response.FieldErrorAsync("currentPassword");
        Assert.Equal(user.Email, (await (await user.Client.GetAsync("/api/v1/account")).JsonAsync()).GetProperty("email").GetString());
    }

    [Fact]
    public async Task UpdateProfile_NewNameAndEmailWithCurrentPassword_SignsInWithTheNewEmail()
    {
        var user = await shoal.SignUpAsync();
        var email = $"moved-{Guid.NewGuid():N}@example.com";

        var account = await (await user.Client.PutAsJsonAsync("/api/v1/account/profile", new { displayName = "Ada", email, currentPassword = user.Password })).JsonAsync();

        Assert.Equal("Ada", account.GetProperty("displayName").GetString());
        Assert.Equal(email, account.GetProperty("email").GetString());
        Assert.Equal(HttpStatusCode.Created, (await TokenAsync(email, user.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(user.Email, user.Password)).StatusCode);
    }

    [Fact]
    public async Task UpdateProfile_EmailOfAnotherAccount_IsRefused()
    {
        var user = await shoal.SignUpAsync();
        var other = await shoal.SignUpAsync();

        var response = await user.Client.PutAsJsonAsync("/api/v1/account/profile", new { email = other.Email, currentPassword = user.Password });

        await response.FieldErrorAsync("email");
    }

    private Task<HttpResponseMessage> TokenAsync(string email, string password) =>
        shoal.CreateClient().PostAsJsonAsync("/api/v1/tokens", new { email, password, name = "check" });
}

public sealed class PasswordChangeTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : PasswordChangeTests<SqliteDatabase>(shoal);

public sealed class PasswordChangeTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : PasswordChangeTests<PostgresDatabase>(shoal);
