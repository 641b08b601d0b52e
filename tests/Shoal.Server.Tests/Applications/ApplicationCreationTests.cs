using System.Net;
using System.Net.Http.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Applications;

public abstract class ApplicationCreationTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static object Valid(string name) => new { name, industry = "agriculture", acceptTerms = true };

    [Fact]
    public async Task Create_ValidInput_ReturnsIdSecretAndBothAddressesOnce()
    {
        var user = await shoal.SignUpAsync();

        var created = await (await user.Client.PostAsJsonAsync("/api/v1/applications", Valid("farm-1"))).JsonAsync(HttpStatusCode.Created);

        var id = created.GetProperty("applicationId").GetString()!;
        Assert.Equal(32, created.GetProperty("secret").GetString()!.Length);
        Assert.Equal("https://localhost:8743", created.GetProperty("applicationAccessAddress").GetString());
        Assert.Equal("mqtt://localhost:1883", created.GetProperty("deviceAccessAddress").GetString());
        var details = await user.Client.GetStringAsync($"/api/v1/applications/{id}");
        Assert.DoesNotContain(created.GetProperty("secret").GetString()!, details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithoutTerms_IsRefusedAndCreatesNothing()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync("/api/v1/applications", new { name = "no-terms", industry = "retail", acceptTerms = false });

        Assert.Contains("Terms", await response.FieldErrorAsync("acceptTerms"), StringComparison.Ordinal);
        var list = await user.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/applications");
        Assert.Equal(1, list.GetProperty("totalCount").GetInt32());
    }
}

public sealed class ApplicationCreationTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : ApplicationCreationTests<SqliteDatabase>(shoal);

public sealed class ApplicationCreationTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : ApplicationCreationTests<PostgresDatabase>(shoal);
