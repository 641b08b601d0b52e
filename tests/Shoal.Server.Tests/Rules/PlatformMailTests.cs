using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Rules;

/// <summary>The platform's own e-mails to an application's owner, through the rules' outbox and SMTP servers.</summary>
public abstract class PlatformMailTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>, IAsyncLifetime
    where TDatabase : ITestDatabase, new()
{
    private SmtpReceiver _smtp = null!;

    public ValueTask InitializeAsync()
    {
        _smtp = SmtpReceiver.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _smtp.DisposeAsync();

    [Fact]
    public async Task ResetSecret_WithAnEmailServer_TellsTheOwnerWithoutTheSecret()
    {
        await shoal.ReplaceEmailServersAsync(_smtp);
        var owner = await shoal.SignUpAsync();
        var id = (await owner.Client.CreateApplicationAsync("weather")).GetProperty("applicationId").GetString()!;

        var reset = await (await owner.Client.PostAsJsonAsync($"/api/v1/applications/{id}/secret", new { graceMinutes = 0 })).JsonAsync();

        var mail = await _smtp.NextAsync();
        Assert.Equal(owner.Email, mail.To.Mailboxes.Single().Address);
        Assert.Equal("The secret of application weather was reset", mail.Subject);
        Assert.Contains(id, mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(reset.GetProperty("secret").GetString()!, mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetSecret_NoEmailServerRegistered_QueuesNoMail()
    {
        await shoal.ReplaceEmailServersAsync();
        var owner = await shoal.SignUpAsync();
        var id = (await owner.Client.CreateApplicationAsync("weather")).GetProperty("applicationId").GetString()!;

        (await owner.Client.PostAsJsonAsync($"/api/v1/applications/{id}/secret", new { graceMinutes = 0 })).EnsureSuccessStatusCode();

        Assert.False(await shoal.Database.QueryAsync(db => db.RuleMessages.AnyAsync(m => m.ApplicationId == id)));
    }
}

public sealed class PlatformMailTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : PlatformMailTests<SqliteDatabase>(shoal);

public sealed class PlatformMailTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : PlatformMailTests<PostgresDatabase>(shoal);
