using System.Globalization;
using MQTTnet.Formatter;

namespace Shoal.Bench.Ingest;

/// <summary>One simulated device: an ID and, for Shoal, its secret (the psk).</summary>
internal sealed record BenchDevice(string Id, string? Secret);

/// <summary>Command line: <c>--host --port --credentials FILE --devices N --rate R --duration S --protocol 3|5 --payload B --warmup S --idle S --connect-rounds N --cpu-pid PID[,PID]</c>.</summary>
internal sealed class BenchOptions
{
    public string Host { get; private set; } = "127.0.0.1";

    public int Port { get; private set; } = 1883;

    public string? CredentialsFile { get; private set; }

    public int Devices { get; private set; } = 1000;

    public double Rate { get; private set; } = 1000;

    public double DurationSeconds { get; private set; } = 10;

    public MqttProtocolVersion Protocol { get; private set; } = MqttProtocolVersion.V311;

    public int PayloadBytes { get; private set; } = 200;

    public int ConnectParallelism { get; private set; } = 32;

    public double GraceSeconds { get; private set; } = 15;

    public double IdleSeconds { get; private set; }

    /// <summary>The server processes whose CPU time (utime + stime) is charged to the measured messages (<c>--cpu-pid 12,34</c>).</summary>
    public IReadOnlyList<int> CpuPids { get; private set; } = [];

    public double WarmupSeconds { get; private set; } = 2;

    /// <summary>With N &gt; 0, only connects: N rounds, each connecting every device and disconnecting them again, measured alone.</summary>
    public int ConnectRounds { get; private set; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            var inv = CultureInfo.InvariantCulture;
            switch (args[i])
            {
                case "--host": options.Host = value; break;
                case "--port": options.Port = int.Parse(value, inv); break;
                case "--credentials": options.CredentialsFile = value; break;
                case "--devices": options.Devices = int.Parse(value, inv); break;
                case "--rate": options.Rate = double.Parse(value, inv); break;
                case "--duration": options.DurationSeconds = double.Parse(value, inv); break;
                case "--protocol": options.Protocol = value is "5" ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311; break;
                case "--payload": options.PayloadBytes = int.Parse(value, inv); break;
                case "--connect-parallelism": options.ConnectParallelism = int.Parse(value, inv); break;
                case "--grace": options.GraceSeconds = double.Parse(value, inv); break;
                case "--cpu-pid": options.CpuPids = [.. value.Split(',').Select(pid => int.Parse(pid, inv))]; break;
                case "--warmup": options.WarmupSeconds = double.Parse(value, inv); break;
                case "--idle": options.IdleSeconds = double.Parse(value, inv); break;
                case "--connect-rounds": options.ConnectRounds = int.Parse(value, inv); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
            i++;
        }
        return options;
    }

    /// <summary>The first <see cref="Devices"/> lines of the credentials file (deviceId,psk), or anonymous devices.</summary>
    public IReadOnlyList<BenchDevice> LoadDevices()
    {
        if (CredentialsFile is null)
        {
            return [.. Enumerable.Range(0, Devices).Select(i => new BenchDevice($"bench-{i:D6}", null))];
        }
        var devices = File.ReadLines(CredentialsFile)
            .Where(line => line.Contains(',', StringComparison.Ordinal))
            .Select(line => line.Split(',', 2))
            .Select(parts => new BenchDevice(parts[0].Trim(), parts[1].Trim()))
            .Take(Devices)
            .ToList();
        if (devices.Count < Devices)
        {
            throw new ArgumentException($"{CredentialsFile} holds {devices.Count} devices, {Devices} asked for");
        }
        return devices;
    }
}
