using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using MQTTnet;
using Shoal.Server.Tests.Gateway;
using Shoal.Server.Tests.Infrastructure;
using Shoal.Server.Tests.Northbound;

namespace Shoal.Server.Tests.Operations;

/// <summary>
/// The Prometheus scrape on the portal's address. The fixture's host is shared by the class's tests, so a test
/// asserts what its own action adds, never an exact total.
/// </summary>
public abstract class MetricsTests<TDatabase>(GatewayApplication<TDatabase> shoal) : IClassFixture<GatewayApplication<TDatabase>>
    where TDatabase : ITestDatabase, new()
{
    [Fact]
    public async Task Scrape_AnswersPrometheusTextWithShoalsGauges()
    {
        var response = await shoal.CreateClient().GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var scrape = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE shoal_ingest_queue_depth gauge", scrape, StringComparison.Ordinal);
        Assert.Contains("shoal_devices_connected{", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_OverMqtt_RaisesTheIngestCounter()
    {
        var (_, device) = await shoal.NewDeviceAsync();
        using var client = await shoal.ConnectAsync(device);
        var before = Sum(await ScrapeAsync(), "shoal_ingest_messages_total");

        await client.ReportAsync(device, """{"services":[{"service_id":"Temperature","properties":{"value":1}}]}""");

        await ScrapeUntilAsync(scrape => Sum(scrape, "shoal_ingest_messages_total") > before);
    }

    [Fact]
    public async Task Connect_OverMqtt_IsCountedUnderItsProtocol()
    {
        var (_, device) = await shoal.NewDeviceAsync();

        using var client = await shoal.ConnectAsync(device);

        await ScrapeUntilAsync(scrape => Sum(scrape, "shoal_devices_connected", "protocol=\"mqtt\"") >= 1);
    }

    [Fact]
    public async Task Connect_OverMqtts_IsCountedUnderItsProtocol()
    {
        var (_, device) = await shoal.NewDeviceAsync();

        var (client, result) = await shoal.TryConnectAsync(device, tls: tls => tls.WithCertificateValidationHandler(_ => true));
        using var connected = client;

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        await ScrapeUntilAsync(scrape => Sum(scrape, "shoal_devices_connected", "protocol=\"mqtts\"") >= 1);
    }

    [Fact]
    public async Task NorthboundCall_ShowsUpByRouteAndStatus()
    {
        var response = await NaClient.PostLoginAsync(shoal.CreateClient(), "nobody", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        await ScrapeUntilAsync(scrape => scrape.Split('\n').Any(line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains("http_route=\"/iocm/app/sec/v1.1.0/login\"", StringComparison.Ordinal)
            && line.Contains("http_response_status_code=\"401\"", StringComparison.Ordinal)));
    }

    private protected async Task<string> ScrapeAsync() => await shoal.CreateClient().GetStringAsync(new Uri("/metrics", UriKind.Relative));

    /// <summary>Scrapes until <paramref name="condition"/> holds: instruments are read at scrape time, the writes they count a moment earlier.</summary>
    private async Task ScrapeUntilAsync(Func<string, bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition(await ScrapeAsync()))
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>The sum of the samples of <paramref name="metric"/> that carry <paramref name="label"/>.</summary>
    private static double Sum(string scrape, string metric, string label = "") =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}

public sealed class MetricsTestsOnSqlite(GatewayApplication<SqliteDatabase> shoal) : MetricsTests<SqliteDatabase>(shoal);

public sealed class MetricsTestsOnPostgres(GatewayApplication<PostgresDatabase> shoal) : MetricsTests<PostgresDatabase>(shoal)
{
    [Fact]
    public async Task Scrape_OnPostgres_ShowsNpgsqlsConnectionPool()
    {
        var scrape = await ScrapeAsync();

        Assert.Contains("db_client_connection", scrape, StringComparison.Ordinal);
    }
}

/// <summary>Where the scrape is served: the portal's address only, and nowhere when its path is empty.</summary>
public sealed class MetricsAddressTests(SocketApplication<SqliteDatabase> shoal) : IClassFixture<SocketApplication<SqliteDatabase>>
{
    [Fact]
    public async Task Scrape_OnThePortalAddress_IsServed()
    {
        using var client = new HttpClient();

        var response = await client.GetAsync(new Uri(shoal.Portal, "/metrics"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Scrape_OnTheApplicationAccessAddress_IsNotServed()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler);

        var response = await client.GetAsync(new Uri(shoal.Northbound, "/metrics"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("shoal_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_WithAnEmptyPath_IsNotServed()
    {
        await using var off = new MetricsOffApplication();
        await off.InitializeAsync();

        var response = await off.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false })
            .GetAsync(new Uri("/metrics", UriKind.Relative));

        // Any path the portal does not know asks for a sign-in first.
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/sign-in", response.Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    private sealed class MetricsOffApplication : ShoalApplication<SqliteDatabase>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Metrics:Path", "");
        }
    }
}
