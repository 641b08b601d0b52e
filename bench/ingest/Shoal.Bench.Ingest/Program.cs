using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Shoal.Bench.Ingest;

// Open-loop MQTT ingest load generator. Devices publish QoS 1 property reports at a fixed aggregate
// rate; each message has an intended send time (start + k / rate) and its latency is PUBACK time
// minus that intended time, so a server that falls behind is charged for the whole wait
// (no coordinated omission). With --credentials, devices sign in as Shoal devices (docs/gateway.md);
// without, they connect anonymously to a plain broker with the same topics.
// Pinned to one core, the thread pool starts with one worker and adds more about twice a second:
// continuations of 1,000 clients then wait hundreds of milliseconds and the generator, not the
// server, makes the tail latency. Start with enough workers.
ThreadPool.GetMinThreads(out var workers, out var completionPorts);
ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(completionPorts, 32));
var options = BenchOptions.Parse(args);
var devices = options.LoadDevices();
var payload = Payload(options.PayloadBytes);
Console.Error.WriteLine($"{devices.Count} devices -> {options.Host}:{options.Port} (MQTT {(options.Protocol == MqttProtocolVersion.V500 ? "5" : "3.1.1")}), payload {payload.Length} B");

if (options.ConnectRounds > 0)
{
    // Connects alone: every round connects all devices (each device once, the server idle before), then disconnects them.
    for (var round = 1; round <= options.ConnectRounds; round++)
    {
        await ServerCpu.WaitQuietAsync(options.CpuPids);
        var (connected, rate, cpuPerConnect) = await ConnectAllAsync(options, devices);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CONNECTS round={round} devices={devices.Count} rate={rate:F0} cpu_us={cpuPerConnect:F1}"));
        await DisconnectAllAsync(connected);
    }
    return 0;
}

var (clients, _, _) = await ConnectAllAsync(options, devices);
try
{
    if (options.IdleSeconds > 0)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CONNECTED {clients.Count}"));
        await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds));
        return 0;
    }
    if (options.WarmupSeconds > 0)
    {
        await RunLoadAsync(options, devices, clients, payload, options.WarmupSeconds, report: false);
    }
    return await RunLoadAsync(options, devices, clients, payload, options.DurationSeconds, report: true);
}
finally
{
    await DisconnectAllAsync(clients);
}

static Task DisconnectAllAsync(List<IMqttClient> clients) => Task.WhenAll(clients.Select(async c =>
{
    try
    {
        await c.DisconnectAsync();
    }
    catch (MQTTnet.Exceptions.MqttCommunicationException)
    {
    }
    c.Dispose();
}));

static byte[] Payload(int size)
{
    const string Head = "{\"services\":[{\"service_id\":\"Temperature\",\"properties\":{\"value\":21.5,\"humidity\":48,\"pad\":\"";
    const string Tail = "\"}}]}";
    var pad = Math.Max(0, size - Head.Length - Tail.Length);
    return Encoding.UTF8.GetBytes(Head + new string('x', pad) + Tail);
}

// Connects every device, ConnectParallelism at a time: the clients, connects/s and the server's core-µs per connect.
static async Task<(List<IMqttClient> Clients, double Rate, double CpuPerConnect)> ConnectAllAsync(BenchOptions options, IReadOnlyList<BenchDevice> devices)
{
    var factory = new MqttClientFactory();
    var clients = new IMqttClient[devices.Count];
    var failures = 0;
    using var gate = new SemaphoreSlim(options.ConnectParallelism);
    var cpuBefore = ServerCpu.Read(options.CpuPids);
    var started = Stopwatch.GetTimestamp();
    await Task.WhenAll(devices.Select(async (device, i) =>
    {
        await gate.WaitAsync();
        try
        {
            var client = factory.CreateMqttClient();
            var builder = new MqttClientOptionsBuilder()
                .WithTcpServer(options.Host, options.Port)
                .WithProtocolVersion(options.Protocol)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
                .WithTimeout(TimeSpan.FromSeconds(30))
                .WithCleanSession();
            if (device.Secret is null)
            {
                builder = builder.WithClientId(device.Id);
            }
            else
            {
                var timestamp = DateTime.UtcNow.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
                var password = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp), Encoding.UTF8.GetBytes(device.Secret)));
                builder = builder.WithClientId($"{device.Id}_0_0_{timestamp}").WithCredentials(device.Id, password);
            }
            var result = await client.ConnectAsync(builder.Build());
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"connect refused: {result.ResultCode}");
            }
            clients[i] = client;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
        {
            if (Interlocked.Increment(ref failures) <= 5)
            {
                Console.Error.WriteLine($"{device.Id}: {e.Message}");
            }
        }
        finally
        {
            gate.Release();
        }
    }));
    var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var cpuMicroseconds = ServerCpu.Read(options.CpuPids) - cpuBefore;
    var connected = devices.Count - failures;
    var cpuPerConnect = options.CpuPids.Count == 0 || connected == 0 ? double.NaN : (double)cpuMicroseconds / connected;
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"connected {connected}/{devices.Count} in {seconds:F2} s ({connected / seconds:F0} connects/s), {failures} failed; server CPU {cpuPerConnect:F0} core-µs/connect"));
    if (failures > 0)
    {
        throw new InvalidOperationException($"{failures} devices could not connect");
    }
    return ([.. clients], connected / seconds, cpuPerConnect);
}

static async Task<int> RunLoadAsync(BenchOptions options, IReadOnlyList<BenchDevice> devices, List<IMqttClient> clients, byte[] payload, double seconds, bool report)
{
    var messages = devices.Select(d => new MqttApplicationMessageBuilder()
        .WithTopic($"$oc/devices/{d.Id}/sys/properties/report")
        .WithPayload(payload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build()).ToArray();
    var latency = new LatencyHistogram();
    var sendLag = new LatencyHistogram();
    var total = (long)Math.Round(options.Rate * seconds);
    long acked = 0, errors = 0, outstanding = 0, lastAck = 0;
    var frequency = (double)Stopwatch.Frequency;
    var ticksPerMessage = frequency / options.Rate;
    long start = 0;

    async Task SendAsync(int device, long intended)
    {
        try
        {
            var result = await clients[device].PublishAsync(messages[device]);
            var now = Stopwatch.GetTimestamp();
            if (result.IsSuccess)
            {
                latency.Record((long)((now - intended) * 1_000_000 / frequency));
                Interlocked.Increment(ref acked);
                Interlocked.Exchange(ref lastAck, now);
            }
            else
            {
                RecordError(ref errors, $"publish refused: {result.ReasonCode}");
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            RecordError(ref errors, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref outstanding);
        }
    }

    var cpuBefore = ServerCpu.Read(options.CpuPids);
    var scheduler = new Thread(() =>
    {
        start = Stopwatch.GetTimestamp();
        long sent = 0;
        while (sent < total)
        {
            var now = Stopwatch.GetTimestamp();
            var due = Math.Min(total, (long)((now - start) / ticksPerMessage) + 1);
            for (; sent < due; sent++)
            {
                var intended = start + (long)(sent * ticksPerMessage);
                sendLag.Record((long)((Stopwatch.GetTimestamp() - intended) * 1_000_000 / frequency));
                Interlocked.Increment(ref outstanding);
                _ = SendAsync((int)(sent % clients.Count), intended);
            }
            Thread.Sleep(1);
        }
    })
    { IsBackground = true, Name = "open-loop scheduler", Priority = ThreadPriority.AboveNormal };
    scheduler.Start();
    scheduler.Join();
    var sentAt = Stopwatch.GetTimestamp();
    var grace = Stopwatch.GetTimestamp() + (long)(options.GraceSeconds * frequency);
    while (Interlocked.Read(ref outstanding) > 0 && Stopwatch.GetTimestamp() < grace)
    {
        await Task.Delay(10);
    }
    var cpuMicroseconds = ServerCpu.Read(options.CpuPids) - cpuBefore;
    var unacked = Interlocked.Read(ref outstanding);
    var elapsed = (Math.Max(Interlocked.Read(ref lastAck), sentAt) - start) / frequency;
    var rate = acked / elapsed;
    if (!report)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up: {acked}/{total} acked, {errors} errors"));
        return 0;
    }
    var cpuPerMessage = options.CpuPids.Count == 0 || acked == 0 ? double.NaN : (double)cpuMicroseconds / acked;
    static string Ms(long us) => (us / 1000.0).ToString("F1", CultureInfo.InvariantCulture);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"target {options.Rate:F0} msg/s for {seconds:F0} s: acked {acked}/{total} at {rate:F0} msg/s; latency p50 {Ms(latency.ValueAt(50))} ms, p99 {Ms(latency.ValueAt(99))} ms, p99.9 {Ms(latency.ValueAt(99.9))} ms, max {Ms(latency.MaxMicroseconds)} ms; errors {errors}, unacked {unacked}; generator send lag p99 {Ms(sendLag.ValueAt(99))} ms; server CPU {cpuPerMessage:F1} core-µs/msg"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"RESULT target={options.Rate:F0} sent={total} acked={acked} rate={rate:F0} p50={Ms(latency.ValueAt(50))} p99={Ms(latency.ValueAt(99))} p999={Ms(latency.ValueAt(99.9))} max={Ms(latency.MaxMicroseconds)} errors={errors} unacked={unacked} lag99={Ms(sendLag.ValueAt(99))} cpu_us={cpuPerMessage:F1}"));
    return errors == 0 && unacked == 0 ? 0 : 1;
}

static void RecordError(ref long errors, string message)
{
    if (Interlocked.Increment(ref errors) <= 5)
    {
        Console.Error.WriteLine(message);
    }
}
