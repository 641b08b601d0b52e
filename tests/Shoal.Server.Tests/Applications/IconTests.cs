using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Shoal.Server.Tests.Infrastructure;
using static Shoal.Server.Tests.Infrastructure.ApplicationApi;

namespace Shoal.Server.Tests.Applications;

public abstract class IconTests<TDatabase>(ShoalApplication<TDatabase> shoal) : IClassFixture<ShoalApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00];
    private static readonly byte[] Gif = Encoding.ASCII.GetBytes("GIF89a\x01\x00\x01\x00\x00\x00\x00");
    private static readonly byte[] Svg = Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>");

    [Fact]
    public async Task Create_PngIcon_IsServedBackAsPng()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync("pictured", ("icon", Convert.ToBase64String(Png)));

        var icon = await user.Client.GetAsync(created.GetProperty("application").GetProperty("iconUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/png", icon.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Png, await icon.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Create_JpegIcon_IsServedBackAsJpeg()
    {
        var user = await shoal.SignUpAsync();

        var created = await user.Client.CreateApplicationAsync("pictured", ("icon", Convert.ToBase64String(Jpeg)));

        var icon = await user.Client.GetAsync(created.GetProperty("application").GetProperty("iconUrl").GetString());
        Assert.Equal("image/jpeg", icon.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Create_SvgIcon_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("pictured", ("icon", Convert.ToBase64String(Svg))));

        Assert.Contains("SVG", await response.FieldErrorAsync("icon"), StringComparison.Ordinal);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_GifIcon_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("pictured", ("icon", Convert.ToBase64String(Gif))));

        await response.FieldErrorAsync("icon");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_IconOver200Kilobytes_IsRefused()
    {
        var user = await shoal.SignUpAsync();
        var large = new byte[200 * 1024 + 1];
        Png.CopyTo(large, 0);

        var response = await user.Client.PostAsJsonAsync(Route, Body("pictured", ("icon", Convert.ToBase64String(large))));

        Assert.Contains("200 KB", await response.FieldErrorAsync("icon"), StringComparison.Ordinal);
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task Create_IconNotBase64_IsRefused()
    {
        var user = await shoal.SignUpAsync();

        var response = await user.Client.PostAsJsonAsync(Route, Body("pictured", ("icon", "not base64 at all!")));

        await response.FieldErrorAsync("icon");
        Assert.Equal(1, await user.Client.CountApplicationsAsync());
    }

    [Fact]
    public async Task SetIcon_PngBytesDeclaredAsJpeg_IsServedAsPng()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync("pictured")).GetProperty("applicationId").GetString()!;

        var updated = await (await user.Client.PutAsync($"{Route}/{id}/icon", Raw(Png, "image/jpeg"))).JsonAsync();

        Assert.Equal($"/api/v1/applications/{id}/icon", updated.GetProperty("iconUrl").GetString());
        var icon = await user.Client.GetAsync($"{Route}/{id}/icon");
        Assert.Equal("image/png", icon.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Png, await icon.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task SetIcon_Svg_IsRefusedAndKeepsTheOldIcon()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync("pictured", ("icon", Convert.ToBase64String(Png)))).GetProperty("applicationId").GetString()!;

        var response = await user.Client.PutAsync($"{Route}/{id}/icon", Raw(Svg, "image/png"));

        await response.FieldErrorAsync("icon");
        Assert.Equal(Png, await user.Client.GetByteArrayAsync($"{Route}/{id}/icon"));
    }

    [Fact]
    public async Task RemoveIcon_DeletesTheIcon()
    {
        var user = await shoal.SignUpAsync();
        var id = (await user.Client.CreateApplicationAsync("pictured", ("icon", Convert.ToBase64String(Png)))).GetProperty("applicationId").GetString()!;

        var response = await user.Client.DeleteAsync($"{Route}/{id}/icon");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await user.Client.GetApplicationAsync(id)).GetProperty("iconUrl").ValueKind);
        await (await user.Client.GetAsync($"{Route}/{id}/icon")).ProblemAsync(HttpStatusCode.NotFound);
    }

    private static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }
}

public sealed class IconTestsOnSqlite(ShoalApplication<SqliteDatabase> shoal) : IconTests<SqliteDatabase>(shoal);

public sealed class IconTestsOnPostgres(ShoalApplication<PostgresDatabase> shoal) : IconTests<PostgresDatabase>(shoal);
