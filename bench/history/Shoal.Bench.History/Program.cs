using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

// Closed-loop load on the northbound history call: after an NA login, each of --concurrency workers fetches the newest
// --points points of one device again and again, page after page (pageNo 0, 1, … with --page-size, newest first, as an
// NA pages through deviceDataHistory), until --duration seconds have passed. Reports the latency of each page request
// and of each whole fetch, and the request rate. A first --warmup seconds of the same load are not counted.
// Usage: --url http://127.0.0.1:19743 --app-id ID --secret S --device ID [--concurrency 8] [--duration 10] [--warmup 3]
//        [--points 1000] [--page-size 250] [--label NAME]
ThreadPool.GetMinThreads(out var minWorkers, out var minPorts);
ThreadPool.SetMinThreads(Math.Max(minWorkers, 32), Math.Max(minPorts, 32));
var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal) && x.i + 1 < args.Length)
    .ToDictionary(x => x.a[2..], x => args[x.i + 1], StringComparer.Ordinal);
string Option(string name, string? fallback = null) =>
    options.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required");
int IntOption(string name, int fallback) => int.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var baseUrl = new Uri(Option("url"));
var appId = Option("app-id");
var device = Option("device");
var concurrency = IntOption("concurrency", 8);
var duration = TimeSpan.FromSeconds(IntOption("duration", 10));
var warmup = TimeSpan.FromSeconds(IntOption("warmup", 3));
var points = IntOption("points", 1000);
var pageSize = IntOption("page-size", 250);
var label = Option("label", "shoal");
var pages = (points + pageSize - 1) / pageSize;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false }) { BaseAddress = baseUrl };
using var login = await http.PostAsync(new Uri("/iocm/app/sec/v1.1.0/login", UriKind.Relative), new FormUrlEncodedContent(
    new Dictionary<string, string> { ["appId"] = appId, ["secret"] = Option("secret") }));
login.EnsureSuccessStatusCode();
using var loginBody = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
var accessToken = loginBody.RootElement.GetProperty("accessToken").GetString();

var requests = Enumerable.Range(0, pages)
    .Select(page => $"/iocm/app/data/v1.2.0/deviceDataHistory?deviceId={device}&gatewayId={device}&pageNo={page}&pageSize={pageSize}")
    .ToArray();

async Task<(int Points, int TotalCount, string Newest, string Oldest)> FetchOnceAsync(List<long>? pageTimes)
{
    var fetched = 0;
    var totalCount = 0;
    string newest = "", oldest = "";
    foreach (var path in requests)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("app_key", appId);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        pageTimes?.Add(Stopwatch.GetTimestamp() - started);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        }
        if (pageTimes is null)
        {
            using var page = JsonDocument.Parse(body);
            var items = page.RootElement.GetProperty("deviceDataHistoryDTOs");
            totalCount = page.RootElement.GetProperty("totalCount").GetInt32();
            fetched += items.GetArrayLength();
            if (items.GetArrayLength() > 0)
            {
                newest = newest.Length == 0 ? items[0].GetProperty("timestamp").GetString()! : newest;
                oldest = items[items.GetArrayLength() - 1].GetProperty("timestamp").GetString()!;
            }
        }
    }
    return (fetched, totalCount, newest, oldest);
}

var check = await FetchOnceAsync(null);
Console.Error.WriteLine($"{label}: one fetch of {pages} pages of {pageSize}: {check.Points} points, totalCount {check.TotalCount}, newest {check.Newest}, oldest {check.Oldest}");
if (check.Points != pages * pageSize)
{
    Console.Error.WriteLine($"{label}: expected {pages * pageSize} points");
    return 1;
}

async Task<(List<long> Pages, List<long> Fetches)> RunAsync(TimeSpan length)
{
    var stopAt = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
    var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        var pageTimes = new List<long>();
        var fetchTimes = new List<long>();
        while (Stopwatch.GetTimestamp() < stopAt)
        {
            var started = Stopwatch.GetTimestamp();
            await FetchOnceAsync(pageTimes);
            fetchTimes.Add(Stopwatch.GetTimestamp() - started);
        }
        return (pageTimes, fetchTimes);
    })).ToArray();
    var results = await Task.WhenAll(workers);
    return ([.. results.SelectMany(r => r.pageTimes)], [.. results.SelectMany(r => r.fetchTimes)]);
}

if (warmup > TimeSpan.Zero)
{
    await RunAsync(warmup);
}
var measuredFrom = Stopwatch.GetTimestamp();
var (pageTimes, fetchTimes) = await RunAsync(duration);
var seconds = Stopwatch.GetElapsedTime(measuredFrom).TotalSeconds;

static double Percentile(List<long> sorted, double p) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)] * 1000.0 / Stopwatch.Frequency;
pageTimes.Sort();
fetchTimes.Sort();
var inv = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(inv,
    $"{label}: {concurrency} concurrent, {seconds:F1} s: {pageTimes.Count / seconds:F0} req/s (page of {pageSize}) p50 {Percentile(pageTimes, 0.5):F2} ms p99 {Percentile(pageTimes, 0.99):F2} ms; " +
    $"{fetchTimes.Count / seconds:F0} fetches/s ({points} points) p50 {Percentile(fetchTimes, 0.5):F2} ms p99 {Percentile(fetchTimes, 0.99):F2} ms"));
Console.WriteLine(string.Create(inv,
    $"RESULT label={label} concurrency={concurrency} req_rate={pageTimes.Count / seconds:F1} req_p50={Percentile(pageTimes, 0.5):F2} req_p99={Percentile(pageTimes, 0.99):F2} " +
    $"fetch_rate={fetchTimes.Count / seconds:F1} fetch_p50={Percentile(fetchTimes, 0.5):F2} fetch_p99={Percentile(fetchTimes, 0.99):F2} total_count={check.TotalCount}"));
return 0;
