using System.Net;
using System.Text;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Applications;

public abstract class CodecApiTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    // Spacing and property order are the owner's; the API must give them back unchanged.
    private const string Definition = """
        {
          "messages": [{"messageId": 1, "serviceId": "Meter", "fields": [{"name": "temperature", "offset": 1, "type": "int16", "scale": 0.1}]}],
          "commands": [{"serviceId": "Switch", "method": "SET", "messageId": 2, "fields": [{"name": "on", "offset": 3, "type": "uint8"}]}]
        }
        """;

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(HttpClient Client, string Id)> ApplicationAsync()
    {
        var user = await shoal.SignUpAsync();
        return (user.Client, await user.Client.DefaultApplicationIdAsync());
    }

    [Fact]
    public async Task Get_NoCodec_Answers404()
    {
        var (client, id) = await ApplicationAsync();

        await (await client.GetAsync($"{Route}/{id}/codec")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_ValidDefinition_IsStoredAsSent()
    {
        var (client, id) = await ApplicationAsync();

        var put = await client.PutAsync($"{Route}/{id}/codec", Body(Definition));
        var get = await client.GetAsync($"{Route}/{id}/codec");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("application/json", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Definition, await get.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Put_InvalidDefinition_ListsEveryError()
    {
        var (client, id) = await ApplicationAsync();

        var response = await client.PutAsync($"{Route}/{id}/codec", Body("""
            {"messages":[{"messageId":1,"serviceId":"Meter","fields":[{"name":"t","offset":0,"type":"int16"},{"name":"u","offset":1,"type":"int24"}]}]}
            """));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors").GetProperty("codec").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(2, errors.Length);
        Assert.Contains(errors, e => e.Contains("fields[0] (\"t\"): \"offset\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("fields[1] (\"u\"): \"type\"", StringComparison.Ordinal));
        await (await client.GetAsync($"{Route}/{id}/codec")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_NotJson_IsRefused()
    {
        var (client, id) = await ApplicationAsync();

        var response = await client.PutAsync($"{Route}/{id}/codec", Body("messages: []"));

        Assert.Contains("not valid JSON", await response.FieldErrorAsync("codec"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_Over16Kilobytes_IsRefused()
    {
        var (client, id) = await ApplicationAsync();

        var response = await client.PutAsync($"{Route}/{id}/codec", Body(Definition + new string(' ', 16 * 1024)));

        Assert.Contains("larger than 16384 bytes", await response.FieldErrorAsync("codec"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_SecondDefinition_ReplacesTheFirst()
    {
        var (client, id) = await ApplicationAsync();
        const string Replacement = """{"responses":[{"messageId":3}]}""";
        (await client.PutAsync($"{Route}/{id}/codec", Body(Definition))).EnsureSuccessStatusCode();

        (await client.PutAsync($"{Route}/{id}/codec", Body(Replacement))).EnsureSuccessStatusCode();

        Assert.Equal(Replacement, await client.GetStringAsync($"{Route}/{id}/codec"));
    }

    [Fact]
    public async Task Delete_StoredCodec_RemovesIt()
    {
        var (client, id) = await ApplicationAsync();
        (await client.PutAsync($"{Route}/{id}/codec", Body(Definition))).EnsureSuccessStatusCode();

        var response = await client.DeleteAsync($"{Route}/{id}/codec");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await client.GetAsync($"{Route}/{id}/codec")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_AnotherUsersApplication_Answers404AndStoresNothing()
    {
        var (owner, id) = await ApplicationAsync();
        var stranger = await shoal.SignUpAsync();

        var response = await stranger.Client.PutAsync($"{Route}/{id}/codec", Body(Definition));

        await response.ProblemAsync(HttpStatusCode.NotFound);
        await (await owner.GetAsync($"{Route}/{id}/codec")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Get_AnotherUsersCodec_Answers404()
    {
        var (owner, id) = await ApplicationAsync();
        (await owner.PutAsync($"{Route}/{id}/codec", Body(Definition))).EnsureSuccessStatusCode();
        var stranger = await shoal.SignUpAsync();

        await (await stranger.Client.GetAsync($"{Route}/{id}/codec")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_Codec_IsAudited()
    {
        var (client, id) = await ApplicationAsync();

        (await client.PutAsync($"{Route}/{id}/codec", Body(Definition))).EnsureSuccessStatusCode();

        var audit = await (await client.GetAsync($"{Route}/{id}/audit")).JsonAsync();
        Assert.Equal("Changed the CoAP codec.", audit.GetProperty("items")[0].GetProperty("detail").GetString());
    }
}

public sealed class CodecApiTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : CodecApiTests<SqliteDatabase>(shoal);

public sealed class CodecApiTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : CodecApiTests<PostgresDatabase>(shoal);
