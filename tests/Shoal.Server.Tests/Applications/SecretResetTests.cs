using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Storage;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;
using ApplicationRules = Shoal.Server.Applications.Applications;

namespace Shoal.Server.Tests.Applications;

public abstract class SecretResetTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task ResetSecret_ReturnsNewSecretDifferentFromTheOld()
    {
        var user = await shoal.SignUpAsync();
        var created = await user.Client.CreateApplicationAsync("rolling");
        var id = created.GetProperty("applicationId").GetString()!;

        var reset = await (await user.Client.PostAsJsonAsync($"{Route}/{id}/secret", new { })).JsonAsync();

        Assert.Equal(id, reset.GetProperty("applicationId").GetString());
        Assert.Equal(32, reset.GetProperty("secret").GetString()!.Length);
        Assert.NotEqual(created.GetProperty("secret").GetString(), reset.GetProperty("secret").GetString());
    }

    [Fact]
    public async Task ResetSecret_WithoutGrace_NewSecretMatchesAndOldDoesNot()
    {
        var user = await shoal.SignUpAsync();
        var created = await user.Client.CreateApplicationAsync("rolling");
        var id = created.GetProperty("applicationId").GetString()!;

        var reset = await (await user.Client.PostAsJsonAsync($"{Route}/{id}/secret", new { })).JsonAsync();

        Assert.True(await SecretMatchesAsync(id, reset.GetProperty("secret").GetString()!));
        Assert.False(await SecretMatchesAsync(id, created.GetProperty("secret").GetString()!));
    }

    [Fact]
    public async Task ResetSecret_WithGrace_OldSecretMatchesUntilTheGraceEnds()
    {
        var user = await shoal.SignUpAsync();
        var created = await user.Client.CreateApplicationAsync("rolling");
        var id = created.GetProperty("applicationId").GetString()!;
        var old = created.GetProperty("secret").GetString()!;

        var reset = await (await user.Client.PostAsJsonAsync($"{Route}/{id}/secret", new { graceMinutes = 60 })).JsonAsync();

        Assert.True(await SecretMatchesAsync(id, old));
        shoal.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.True(await SecretMatchesAsync(id, old));
        shoal.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(await SecretMatchesAsync(id, old));
        Assert.True(await SecretMatchesAsync(id, reset.GetProperty("secret").GetString()!));
    }

    [Fact]
    public async Task ResetSecret_GraceOver24Hours_IsRefusedAndKeepsTheSecret()
    {
        var user = await shoal.SignUpAsync();
        var created = await user.Client.CreateApplicationAsync("rolling");
        var id = created.GetProperty("applicationId").GetString()!;

        var response = await user.Client.PostAsJsonAsync($"{Route}/{id}/secret", new { graceMinutes = 1441 });

        await response.FieldErrorAsync("graceMinutes");
        Assert.True(await SecretMatchesAsync(id, created.GetProperty("secret").GetString()!));
    }

    [Fact]
    public async Task ResetSecret_DefaultApplication_GivesItASecret()
    {
        var user = await shoal.SignUpAsync();
        var id = await user.Client.DefaultApplicationIdAsync();

        var reset = await (await user.Client.PostAsJsonAsync($"{Route}/{id}/secret", new { })).JsonAsync();

        Assert.True((await user.Client.GetApplicationAsync(id)).GetProperty("hasSecret").GetBoolean());
        Assert.True(await SecretMatchesAsync(id, reset.GetProperty("secret").GetString()!));
    }

    [Fact]
    public async Task ResetSecret_AnotherUsersApplication_Answers404()
    {
        var owner = await shoal.SignUpAsync();
        var stranger = await shoal.SignUpAsync();
        var created = await owner.Client.CreateApplicationAsync("private");
        var id = created.GetProperty("applicationId").GetString()!;

        var response = await stranger.Client.PostAsJsonAsync($"{Route}/{id}/secret", new { });

        await response.ProblemAsync(HttpStatusCode.NotFound);
        Assert.True(await SecretMatchesAsync(id, created.GetProperty("secret").GetString()!));
    }

    private async Task<bool> SecretMatchesAsync(string id, string secret)
    {
        using var scope = shoal.Services.CreateScope();
        var application = await scope.ServiceProvider.GetRequiredService<ShoalDb>().Applications.AsNoTracking().SingleAsync(a => a.Id == id);
        return scope.ServiceProvider.GetRequiredService<ApplicationRules>().SecretMatches(application, secret);
    }
}

public sealed class SecretResetTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : SecretResetTests<SqliteDatabase>(shoal);

public sealed class SecretResetTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : SecretResetTests<PostgresDatabase>(shoal);
