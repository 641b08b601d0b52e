using System.Net.Http.Json;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Accounts;

public abstract class SignUpTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task SignUp_BadEmail_IsRefused()
    {
        var response = await SignUpAsync("not-an-address", Password, acceptTerms: true);

        await response.FieldErrorAsync("email");
    }

    [Fact]
    public async Task SignUp_ShortPassword_IsRefusedAndCreatesNoAccount()
    {
        var email = $"short-{Guid.NewGuid():N}@example.com";

        var response = await SignUpAsync(email, "too-short", acceptTerms: true);

        await response.FieldErrorAsync("password");
        Assert.Equal(0, await CountUsersAsync(email));
    }

    [Fact]
    public async Task SignUp_WithoutTerms_IsRefusedAndCreatesNoAccount()
    {
        var email = $"no-terms-{Guid.NewGuid():N}@example.com";

        var response = await SignUpAsync(email, Password, acceptTerms: false);

        await response.FieldErrorAsync("acceptTerms");
        Assert.Equal(0, await CountUsersAsync(email));
    }

    [Fact]
    public async Task SignUp_DuplicateEmailDifferingInCase_IsRefused()
    {
        var existing = await shoal.SignUpAsync("taken");

        var response = await SignUpAsync(existing.Email.ToUpperInvariant(), Password, acceptTerms: true);

        await response.FieldErrorAsync("email");
        Assert.Equal(1, await CountUsersAsync(existing.Email));
    }

    [Fact]
    public async Task SignUp_FirstAccountOnAFreshInstall_IsTheOperator()
    {
        var account = await shoal.Operator.GetFromJsonAsync<JsonElement>("/api/v1/account");

        Assert.True(account.GetProperty("isOperator").GetBoolean());
    }

    [Fact]
    public async Task SignUp_LaterAccount_IsNotTheOperator()
    {
        var user = await shoal.SignUpAsync();

        var account = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/account");

        Assert.False(account.GetProperty("isOperator").GetBoolean());
    }

    private Task<HttpResponseMessage> SignUpAsync(string email, string password, bool acceptTerms) =>
        shoal.CreateClient().PostAsJsonAsync("/api/v1/account", new { email, password, acceptTerms });

    private async Task<int> CountUsersAsync(string email) =>
        (await shoal.Operator.GetFromJsonAsync<JsonElement>($"/api/v1/operator/users?search={Uri.EscapeDataString(email)}"))
            .GetProperty("totalCount").GetInt32();
}

public sealed class SignUpTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : SignUpTests<SqliteDatabase>(shoal);

public sealed class SignUpTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : SignUpTests<PostgresDatabase>(shoal);
