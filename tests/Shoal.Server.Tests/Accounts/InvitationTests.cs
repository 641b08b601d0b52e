using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Rules;

namespace Shoal.Server.Tests.Accounts;

/// <summary>The sign-up setting and invitations; each test leaves sign-up open as it found it.</summary>
public abstract class InvitationTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>, IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private const string Password = "correct horse battery staple";
    private SmtpReceiver _smtp = null!;

    public async ValueTask InitializeAsync()
    {
        _smtp = SmtpReceiver.Start();
        await shoal.ReplaceEmailServersAsync(_smtp);
    }

    public async ValueTask DisposeAsync()
    {
        await SetSignUpOpenAsync(true);
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task SignUp_Closed_IsRefusedAndCreatesNoAccount()
    {
        await SetSignUpOpenAsync(false);
        var email = $"closed-{Guid.NewGuid():N}@example.com";

        var response = await SignUpAsync(email);

        var problem = await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("Sign-up is closed.", problem.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(email)).StatusCode);
    }

    [Fact]
    public async Task SignUp_ReopenedAfterClosing_Succeeds()
    {
        await SetSignUpOpenAsync(false);
        await SetSignUpOpenAsync(true);

        var response = await SignUpAsync($"reopened-{Guid.NewGuid():N}@example.com");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task SignUp_ClosedWithAnInvitation_CreatesTheInvitedAccountOnce()
    {
        await SetSignUpOpenAsync(false);
        var email = $"invited-{Guid.NewGuid():N}@example.com";
        (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/invitations", new { email })).EnsureSuccessStatusCode();
        var invitation = AccountMail.TokenIn(await _smtp.NextToAsync(email));

        var first = await SignUpAsync(email, invitation);
        var second = await SignUpAsync($"again-{email}", invitation);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await second.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Created, (await TokenAsync(email)).StatusCode);
    }

    [Fact]
    public async Task SignUp_InvitationForAnotherAddress_IsRefused()
    {
        await SetSignUpOpenAsync(false);
        var email = $"invited-{Guid.NewGuid():N}@example.com";
        (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/invitations", new { email })).EnsureSuccessStatusCode();
        var invitation = AccountMail.TokenIn(await _smtp.NextToAsync(email));

        var response = await SignUpAsync($"someone-else-{Guid.NewGuid():N}@example.com", invitation);

        await response.FieldErrorAsync("email");
    }

    [Fact]
    public async Task SignUp_WithdrawnInvitation_IsRefused()
    {
        await SetSignUpOpenAsync(false);
        var email = $"withdrawn-{Guid.NewGuid():N}@example.com";
        var created = await (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/invitations", new { email })).JsonAsync(HttpStatusCode.Created);
        var invitation = AccountMail.TokenIn(await _smtp.NextToAsync(email));

        (await shoal.Operator.DeleteAsync($"/api/v1/operator/invitations/{created.GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
        var response = await SignUpAsync(email, invitation);

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Invite_AddressOfAnExistingAccount_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await shoal.Operator.PostAsJsonAsync("/api/v1/operator/invitations", new { email = user.Email });

        await response.FieldErrorAsync("email");
    }

    [Fact]
    public async Task Invite_Sent_IsListedUntilUsed()
    {
        var email = $"listed-{Guid.NewGuid():N}@example.com";
        (await shoal.Operator.PostAsJsonAsync("/api/v1/operator/invitations", new { email })).EnsureSuccessStatusCode();
        var invitation = AccountMail.TokenIn(await _smtp.NextToAsync(email));
        Assert.Contains(email, await shoal.Operator.GetStringAsync("/api/v1/operator/invitations"), StringComparison.Ordinal);

        (await SignUpAsync(email, invitation)).EnsureSuccessStatusCode();

        Assert.DoesNotContain(email, await shoal.Operator.GetStringAsync("/api/v1/operator/invitations"), StringComparison.Ordinal);
    }

    private async Task SetSignUpOpenAsync(bool open)
    {
        var settings = await (await shoal.Operator.GetAsync("/api/v1/operator/settings")).JsonAsync();
        (await shoal.Operator.PutAsJsonAsync("/api/v1/operator/settings", new
        {
            historyMaxDays = settings.GetProperty("historyMaxDays").GetInt32(), signUpOpen = open,
        })).EnsureSuccessStatusCode();
    }

    private Task<HttpResponseMessage> SignUpAsync(string email, string? invitation = null) =>
        shoal.CreateClient().PostAsJsonAsync("/api/v1/account", new { email, password = Password, acceptTerms = true, invitation });

    private Task<HttpResponseMessage> TokenAsync(string email) =>
        shoal.CreateClient().PostAsJsonAsync("/api/v1/tokens", new { email, password = Password, name = "check" });
}

public sealed class InvitationTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : InvitationTests<SqliteDatabase>(shoal);

public sealed class InvitationTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : InvitationTests<PostgresDatabase>(shoal);
