using System.Diagnostics;
using System.Globalization;
using System.Net;
using Shoal.Bench.Coap;
using Shoal.Bench.Ingest;

// Open-loop CoAP ingest load generator: LwM2M devices, each on its own UDP socket, register with Shoal (POST /rd) and
// then send reports as CON POST /dp at a fixed aggregate rate. Each report has an intended send time (start + k / rate)
// and its latency is the time of its 2.04 ACK minus that time, so a server that falls behind is charged for the whole
// wait. Lost datagrams are retransmitted as RFC 7252 says (2-3 s, doubling, 4 times), and counted.
// The devices do not keep to NSTART 1: at high rates a device has several reports in flight, as if many devices shared
// its address.
ThreadPool.GetMinThreads(out var workers, out var completionPorts);
ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(completionPorts, 32));
var options = BenchOptions.Parse(args);
var names = options.LoadEndpointNames();
var server = new IPEndPoint(IPAddress.Parse(options.Host), options.Port);
var payload = """{"msgType":"deviceReq","hasMore":0,"data":[{"serviceId":"Meter","serviceData":{"level":7}}]}"""u8.ToArray();
await Console.Error.WriteLineAsync($"{names.Count} devices -> coap://{server}, payload {payload.Length} B");

await using var fleet = new CoapFleet(names, server);
var cpuBefore = ServerCpu.Read(options.CpuPids);
var started = Stopwatch.GetTimestamp();
var failures = await fleet.RegisterAllAsync(options.LifetimeSeconds, options.RegisterParallelism);
var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
var registered = names.Count - failures;
var cpuPerRegistration = options.CpuPids.Count == 0 || registered == 0 ? double.NaN : (double)(ServerCpu.Read(options.CpuPids) - cpuBefore) / registered;
// Shoal observes /19/0/0 of each new registration shortly after it; wait (at most 10 s) for those to be answered.
for (var i = 0; i < 100 && fleet.ObservesAnswered < registered; i++)
{
    await Task.Delay(100);
}
await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
    $"registered {registered}/{names.Count} in {seconds:F2} s ({registered / seconds:F0}/s), {failures} failed, {fleet.Retransmissions} retransmissions; server CPU {cpuPerRegistration:F0} core-µs/registration; {fleet.ObservesAnswered} observations refused"));
if (failures > 0)
{
    return 2;
}

if (options.IdleSeconds > 0)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"REGISTERED {registered} observes={fleet.ObservesAnswered}"));
    await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds));
    return 0;
}

await ServerCpu.WaitQuietAsync(options.CpuPids);
var template = CoapWire.Send(payload);
if (options.WarmupSeconds > 0)
{
    await RunLoadAsync(options, fleet, template, options.WarmupSeconds, report: false);
}
return await RunLoadAsync(options, fleet, template, options.DurationSeconds, report: true);

static async Task<int> RunLoadAsync(BenchOptions options, CoapFleet fleet, byte[] template, double seconds, bool report)
{
    var latency = new LatencyHistogram();
    var sendLag = new LatencyHistogram();
    var total = (long)Math.Round(options.Rate * seconds);
    long acked = 0, errors = 0, lastAck = 0;
    var frequency = (double)Stopwatch.Frequency;
    var ticksPerMessage = frequency / options.Rate;
    var retransmissionsBefore = fleet.Retransmissions;
    var timeoutsBefore = fleet.Timeouts;
    var errorsByCode = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
    fleet.Completed = (exchange, code, now) =>
    {
        if (code == exchange.Expected)
        {
            latency.Record((long)((now - exchange.Intended) * 1_000_000 / frequency));
            Interlocked.Increment(ref acked);
            Interlocked.Exchange(ref lastAck, now);
        }
        else
        {
            Interlocked.Increment(ref errors);
            errorsByCode.AddOrUpdate(code is { } c ? CoapWire.Name(c) : "reset or no answer", 1, (_, n) => n + 1);
        }
    };

    var cpuBefore = ServerCpu.Read(options.CpuPids);
    long start = 0;
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
                fleet.Start((int)(sent % fleet.Count), template, intended, CoapWire.Changed);
            }
            Thread.Sleep(1);
        }
    })
    { IsBackground = true, Name = "open-loop scheduler", Priority = ThreadPriority.AboveNormal };
    scheduler.Start();
    scheduler.Join();
    var sentAt = Stopwatch.GetTimestamp();
    var grace = sentAt + (long)(options.GraceSeconds * frequency);
    while (fleet.Outstanding > 0 && Stopwatch.GetTimestamp() < grace)
    {
        await Task.Delay(10);
    }
    var cpuMicroseconds = ServerCpu.Read(options.CpuPids) - cpuBefore;
    var unacked = fleet.Outstanding;
    var retransmissions = fleet.Retransmissions - retransmissionsBefore;
    var timeouts = fleet.Timeouts - timeoutsBefore;
    var elapsed = (Math.Max(Interlocked.Read(ref lastAck), sentAt) - start) / frequency;
    var rate = acked / elapsed;
    if (!report)
    {
        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"warm-up: {acked}/{total} acked, {errors} errors, {unacked} unacked, {retransmissions} retransmissions"));
        // What the warm-up left in flight must not be charged to the measured step.
        for (var i = 0; i < 6000 && fleet.Outstanding > 0; i++)
        {
            await Task.Delay(10);
        }
        return 0;
    }
    var errorKinds = string.Join(", ", errorsByCode.OrderByDescending(e => e.Value).Select(e => $"{e.Value} {e.Key}"));
    var cpuPerMessage = options.CpuPids.Count == 0 || acked == 0 ? double.NaN : (double)cpuMicroseconds / acked;
    static string Ms(long us) => (us / 1000.0).ToString("F1", CultureInfo.InvariantCulture);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"target {options.Rate:F0} reports/s for {seconds:F0} s: acked {acked}/{total} at {rate:F0}/s; latency p50 {Ms(latency.ValueAt(50))} ms, p99 {Ms(latency.ValueAt(99))} ms, p99.9 {Ms(latency.ValueAt(99.9))} ms, max {Ms(latency.MaxMicroseconds)} ms; errors {errors} ({(errors == 0 ? "none" : errorKinds)}; {timeouts} of them timed out after 4 retransmissions), unacked {unacked}, retransmissions {retransmissions}; generator send lag p99 {Ms(sendLag.ValueAt(99))} ms; server CPU {cpuPerMessage:F1} core-µs/report"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"RESULT target={options.Rate:F0} sent={total} acked={acked} rate={rate:F0} p50={Ms(latency.ValueAt(50))} p99={Ms(latency.ValueAt(99))} p999={Ms(latency.ValueAt(99.9))} max={Ms(latency.MaxMicroseconds)} errors={errors} unacked={unacked} retransmissions={retransmissions} lag99={Ms(sendLag.ValueAt(99))} cpu_us={cpuPerMessage:F1}"));
    return errors == 0 && unacked == 0 ? 0 : 1;
}
