using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;

namespace Shoal.Server.Tests.Grants;

public abstract class GrantApiTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static string Grants(string applicationId) => $"/api/v1/applications/{applicationId}/grants";

    private static string Id(JsonElement created) => created.GetProperty("applicationId").GetString()!;

    [Fact]
    public async Task Create_ToOwnApplication_ShowsInTheGrantListAndTheAcceptList()
    {
        var user = await shoal.SignUpAsync();
        var grantor = Id(await user.Client.CreateApplicationAsync("grantor"));
        var grantee = Id(await user.Client.CreateApplicationAsync("grantee"));

        await (await user.Client.PostAsJsonAsync(Grants(grantor), new { granteeApplicationId = grantee, level = "Edit" })).JsonAsync(HttpStatusCode.Created);

        var granted = await user.Client.GetFromJsonAsync<JsonElement>(Grants(grantor));
        var accepted = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/applications/{grantee}/accepted-grants");
        Assert.Equal("grantee", granted[0].GetProperty("granteeName").GetString());
        Assert.Equal("Edit", granted[0].GetProperty("level").GetString());
        Assert.Equal(grantor, accepted[0].GetProperty("grantorApplicationId").GetString());
    }

    [Fact]
    public async Task Create_ToAnotherUsersApplication_DoesNotRevealItsName()
    {
        var owner = await shoal.SignUpAsync();
        var stranger = await shoal.SignUpAsync();
        var grantor = Id(await owner.Client.CreateApplicationAsync("grantor"));
        var grantee = Id(await stranger.Client.CreateApplicationAsync("secret-project"));

        var grant = await (await owner.Client.PostAsJsonAsync(Grants(grantor), new { granteeApplicationId = grantee, level = "View" })).JsonAsync(HttpStatusCode.Created);

        Assert.Equal(JsonValueKind.Null, grant.GetProperty("granteeName").ValueKind);
        Assert.DoesNotContain("secret-project", await owner.Client.GetStringAsync(Grants(grantor)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ToItself_IsRefusedNamingTheGrantee()
    {
        var user = await shoal.SignUpAsync();
        var application = Id(await user.Client.CreateApplicationAsync("alone"));

        var response = await user.Client.PostAsJsonAsync(Grants(application), new { granteeApplicationId = application, level = "View" });

        await response.FieldErrorAsync("granteeApplicationId");
    }

    [Fact]
    public async Task Create_UnknownGrantee_IsRefusedNamingTheGrantee()
    {
        var user = await shoal.SignUpAsync();
        var application = Id(await user.Client.CreateApplicationAsync("lonely"));

        var response = await user.Client.PostAsJsonAsync(Grants(application), new { granteeApplicationId = "no-such-application", level = "View" });

        await response.FieldErrorAsync("granteeApplicationId");
        Assert.Equal(0, (await user.Client.GetFromJsonAsync<JsonElement>(Grants(application))).GetArrayLength());
    }

    [Fact]
    public async Task Create_ExpiryInThePast_IsRefusedNamingExpiresAt()
    {
        var user = await shoal.SignUpAsync();
        var grantor = Id(await user.Client.CreateApplicationAsync("grantor"));
        var grantee = Id(await user.Client.CreateApplicationAsync("grantee"));

        var response = await user.Client.PostAsJsonAsync(Grants(grantor), new { granteeApplicationId = grantee, level = "View", expiresAt = shoal.Time.GetUtcNow().AddMinutes(-1) });

        await response.FieldErrorAsync("expiresAt");
    }

    [Fact]
    public async Task Create_Twice_AnswersConflict()
    {
        var user = await shoal.SignUpAsync();
        var grantor = Id(await user.Client.CreateApplicationAsync("grantor"));
        var grantee = Id(await user.Client.CreateApplicationAsync("grantee"));
        await (await user.Client.PostAsJsonAsync(Grants(grantor), new { granteeApplicationId = grantee, level = "View" })).JsonAsync(HttpStatusCode.Created);

        var response = await user.Client.PostAsJsonAsync(Grants(grantor), new { granteeApplicationId = grantee, level = "Edit" });

        await response.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Revoke_Grant_LeavesBothListsAndIsAudited()
    {
        var user = await shoal.SignUpAsync();
        var grantor = Id(await user.Client.CreateApplicationAsync("grantor"));
        var grantee = Id(await user.Client.CreateApplicationAsync("grantee"));
        var grant = await (await user.Client.PostAsJsonAsync(Grants(grantor), new { granteeApplicationId = grantee, level = "View" })).JsonAsync(HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.DeleteAsync($"{Grants(grantor)}/{grant.GetProperty("id").GetString()}")).StatusCode);

        Assert.Equal(0, (await user.Client.GetFromJsonAsync<JsonElement>(Grants(grantor))).GetArrayLength());
        Assert.Equal(0, (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/applications/{grantee}/accepted-grants")).GetArrayLength());
        var grantorAudit = await user.Client.GetStringAsync($"/api/v1/applications/{grantor}/audit");
        var granteeAudit = await user.Client.GetStringAsync($"/api/v1/applications/{grantee}/audit");
        Assert.Contains("grant.created", grantorAudit, StringComparison.Ordinal);
        Assert.Contains("grant.revoked", grantorAudit, StringComparison.Ordinal);
        Assert.Contains("grant.lost", granteeAudit, StringComparison.Ordinal);
    }
}

public sealed class GrantApiTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : GrantApiTests<SqliteDatabase>(shoal);

public sealed class GrantApiTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : GrantApiTests<PostgresDatabase>(shoal);
