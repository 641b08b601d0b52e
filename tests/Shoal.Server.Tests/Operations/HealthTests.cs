using System.Net;
using Microsoft.Data.Sqlite;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Operations;

public abstract class HealthTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Live_WithoutSignIn_AnswersHealthy()
    {
        var response = await shoal.CreateClient().GetAsync(new Uri("/health/live", UriKind.Relative));

        var body = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_OnAStartedNode_EveryCheckHealthy()
    {
        var response = await shoal.CreateClient().GetAsync(new Uri("/health/ready", UriKind.Relative));

        var body = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal(["database", "event-log", "listeners"], checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("Healthy", c.Value.GetProperty("status").GetString()));
        Assert.Equal(0, checks.GetProperty("event-log").GetProperty("unpushed").GetInt64());
    }
}

public sealed class HealthTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : HealthTests<SqliteDatabase>(shoal);

public sealed class HealthTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : HealthTests<PostgresDatabase>(shoal);

/// <summary>A node whose database lacks the newest migration, as when a newer build starts on a schema it did not migrate.</summary>
public sealed class BehindSchemaApplication : ShoalApplication<SqliteDatabase>
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await using var connection = new SqliteConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var forget = connection.CreateCommand();
        forget.CommandText = """DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" = (SELECT MAX("MigrationId") FROM "__EFMigrationsHistory")""";
        Assert.Equal(1, await forget.ExecuteNonQueryAsync());
    }
}

public sealed class BehindSchemaHealthTests(BehindSchemaApplication shoal) : IClassFixture<BehindSchemaApplication>
{
    [Fact]
    public async Task Ready_WithAMigrationPending_Answers503SayingSo()
    {
        var response = await shoal.CreateClient().GetAsync(new Uri("/health/ready", UriKind.Relative));

        var body = await response.JsonAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        var database = body.GetProperty("checks").GetProperty("database");
        Assert.Equal("Unhealthy", database.GetProperty("status").GetString());
        Assert.Equal("Migrations pending: 1.", database.GetProperty("description").GetString());
    }
}
