using System.Net;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Applications;

public abstract class ApplicationDeletionTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Delete_WrongConfirmName_IsRefusedAndKeepsTheApplication()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync("keep-me")).GetProperty("applicationId").GetString()!;

        var response = await user.Client.DeleteAsync($"{Route}/{id}?confirmName=KEEP-ME");

        await response.FieldErrorAsync("confirmName");
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync($"{Route}/{id}")).StatusCode);
    }

    [Fact]
    public async Task Delete_RightConfirmName_DeletesTheApplication()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync("drop-me")).GetProperty("applicationId").GetString()!;

        var response = await user.Client.DeleteAsync($"{Route}/{id}?confirmName=drop-me");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await user.Client.GetAsync($"{Route}/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Delete_DefaultApplication_Answers409()
    {
        var user = await shoal.SignUpAsync();
        var id = await user.Client.DefaultApplicationIdAsync();

        var response = await user.Client.DeleteAsync($"{Route}/{id}?confirmName=default");

        await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync($"{Route}/{id}")).StatusCode);
    }

    [Fact]
    public async Task Delete_AnotherUsersApplication_Answers404AndKeepsIt()
    {
        var owner = await shoal.SignUpAsync();
        var stranger = await shoal.SignUpAsync();
        var id = (await owner.Client.CreateApplicationAsync("private")).GetProperty("applicationId").GetString()!;

        var response = await stranger.Client.DeleteAsync($"{Route}/{id}?confirmName=private");

        await response.ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await owner.Client.GetAsync($"{Route}/{id}")).StatusCode);
    }
}

public sealed class ApplicationDeletionTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : ApplicationDeletionTests<SqliteDatabase>(shoal);

public sealed class ApplicationDeletionTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : ApplicationDeletionTests<PostgresDatabase>(shoal);
