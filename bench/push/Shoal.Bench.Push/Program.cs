using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Shoal.Bench.Push;

// Open-loop push benchmark. Each step sends `rate` messages per second for `duration` seconds, each
// carrying its step, sequence number and intended send time (a Stopwatch timestamp of this process);
// the receiver in this same process records receive time minus intended time, so a sender or
// server that falls behind is charged for the whole wait. Source `shoal`: QoS 1 property reports
// over MQTT, pushed back by Shoal as signed `deviceDataChanged`. Source `ceiling`: the same body
// POSTed straight to the receiver with HttpClient, the bound of this receiver and loopback HTTP.
ThreadPool.GetMinThreads(out var workers, out var completionPorts);
ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(completionPorts, 32));
var inv = CultureInfo.InvariantCulture;
var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    arguments[args[i].TrimStart('-')] = args[i + 1];
}
string Arg(string name, string fallback) => arguments.GetValueOrDefault(name, fallback);
var source = Arg("source", "ceiling");
var receiverPort = int.Parse(Arg("receiver-port", "18990"), inv);
var rates = Arg("rates", "1000 2000").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(r => double.Parse(r, inv)).ToArray();
var duration = double.Parse(Arg("duration", "10"), inv);
var grace = double.Parse(Arg("grace", "15"), inv);
var signingKey = arguments.TryGetValue("signing-secret", out var secret) ? Convert.FromBase64String(secret["whsec_".Length..]) : null;

var receiver = new PushReceiver(signingKey);
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{receiverPort}");
var app = builder.Build();
app.MapPost("/push", receiver.HandleAsync);
await app.StartAsync();

Func<int, long, long, Task<bool>> send;
var devices = new List<(IMqttClient Client, string Id)>();
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
if (source == "shoal")
{
    devices = await ConnectAsync(Arg("mqtt-host", "127.0.0.1"), int.Parse(Arg("mqtt-port", "11883"), inv),
        File.ReadLines(Arg("credentials", "devices.csv")).Where(l => l.Contains(',', StringComparison.Ordinal))
            .Take(int.Parse(Arg("devices", "100"), inv)).Select(l => l.Split(',', 2)).ToList());
    send = async (step, sequence, intended) =>
    {
        var device = devices[(int)(sequence % devices.Count)];
        var message = new MqttApplicationMessageBuilder()
            .WithTopic($"$oc/devices/{device.Id}/sys/properties/report")
            .WithPayload(Body(step, sequence, intended))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return (await device.Client.PublishAsync(message)).IsSuccess;
    };
}
else
{
    var target = new Uri($"http://127.0.0.1:{receiverPort}/push");
    send = async (step, sequence, intended) =>
    {
        using var content = new ByteArrayContent(Body(step, sequence, intended));
        using var response = await http.PostAsync(target, content);
        return response.IsSuccessStatusCode;
    };
}

// Unmeasured: JIT, connection pools and the server's first pushes warm up.
await RunStepAsync(0, rates[0], 2, report: false);
var step = 0;
foreach (var rate in rates)
{
    step++;
    await RunStepAsync(step, rate, duration, report: true);
    await Task.Delay(TimeSpan.FromSeconds(2));
}
foreach (var device in devices)
{
    await device.Client.DisconnectAsync();
    device.Client.Dispose();
}
await app.StopAsync();
return 0;

async Task RunStepAsync(int stepNumber, double rate, double seconds, bool report)
{
    var total = (long)Math.Round(rate * seconds);
    receiver.Begin(stepNumber, total);
    long accepted = 0, refused = 0, outstanding = 0;
    var frequency = (double)Stopwatch.Frequency;
    var ticksPerMessage = frequency / rate;
    var start = Stopwatch.GetTimestamp();
    async Task SendOneAsync(long sequence, long intended)
    {
        try
        {
            Interlocked.Increment(ref await send(stepNumber, sequence, intended) ? ref accepted : ref refused);
        }
        catch (Exception e) when (e is HttpRequestException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            Interlocked.Increment(ref refused);
        }
        finally
        {
            Interlocked.Decrement(ref outstanding);
        }
    }
    var scheduler = new Thread(() =>
    {
        long sent = 0;
        while (sent < total)
        {
            var due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - start) / ticksPerMessage) + 1);
            for (; sent < due; sent++)
            {
                Interlocked.Increment(ref outstanding);
                _ = SendOneAsync(sent, start + (long)(sent * ticksPerMessage));
            }
            Thread.Sleep(1);
        }
    })
    { IsBackground = true, Priority = ThreadPriority.AboveNormal };
    scheduler.Start();
    scheduler.Join();
    var deadline = Stopwatch.GetTimestamp() + (long)(grace * frequency);
    while ((Interlocked.Read(ref outstanding) > 0 || receiver.Received < Interlocked.Read(ref accepted)) && Stopwatch.GetTimestamp() < deadline)
    {
        await Task.Delay(10);
    }
    var result = receiver.End(start);
    if (!report)
    {
        return;
    }
    static string Ms(long us) => (us / 1000.0).ToString("F1", CultureInfo.InvariantCulture);
    Console.WriteLine(string.Create(inv,
        $"{source} target {rate:F0}/s for {seconds:F0} s: sent {total}, accepted {accepted}, refused {refused}; received {result.Received} at {result.Rate:F0}/s; latency p50 {Ms(result.Latency.ValueAt(50))} ms, p99 {Ms(result.Latency.ValueAt(99))} ms, max {Ms(result.Latency.MaxMicroseconds)} ms; duplicates {result.Duplicates}, bad signatures {result.BadSignatures}"));
    Console.WriteLine(string.Create(inv,
        $"RESULT source={source} target={rate:F0} sent={total} accepted={accepted} received={result.Received} rate={result.Rate:F0} p50={Ms(result.Latency.ValueAt(50))} p99={Ms(result.Latency.ValueAt(99))} max={Ms(result.Latency.MaxMicroseconds)} duplicates={result.Duplicates} badsig={result.BadSignatures}"));
}

static byte[] Body(int step, long sequence, long intended) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
    $"{{\"services\":[{{\"service_id\":\"Bench\",\"properties\":{{\"step\":{step},\"seq\":{sequence},\"sent\":{intended}}}}}]}}"));

static async Task<List<(IMqttClient Client, string Id)>> ConnectAsync(string host, int port, List<string[]> credentials)
{
    var factory = new MqttClientFactory();
    var timestamp = DateTime.UtcNow.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
    var clients = new List<(IMqttClient Client, string Id)>();
    foreach (var pair in credentials)
    {
        var (id, psk) = (pair[0].Trim(), pair[1].Trim());
        var password = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp), Encoding.UTF8.GetBytes(psk)));
        var client = factory.CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId($"{id}_0_0_{timestamp}")
            .WithCredentials(id, password)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithCleanSession()
            .Build());
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"{id}: connect refused: {result.ResultCode}");
        }
        clients.Add((client, id));
    }
    Console.Error.WriteLine($"connected {clients.Count} devices");
    return clients;
}
