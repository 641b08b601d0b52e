using System.Globalization;

namespace Shoal.Bench.Coap;

/// <summary>
/// Command line: <c>--host --port --credentials FILE --devices N --rate R --duration S --warmup S --grace S --idle S
/// --lifetime S --register-parallelism N --cpu-pid PID[,PID]</c>.
/// </summary>
internal sealed class BenchOptions
{
    public string Host { get; private set; } = "127.0.0.1";

    public int Port { get; private set; } = 5683;

    /// <summary>Lines of <c>deviceId,...</c>: the first column is the endpoint name a device registers with.</summary>
    public string? CredentialsFile { get; private set; }

    public int Devices { get; private set; } = 1000;

    public double Rate { get; private set; } = 1000;

    public double DurationSeconds { get; private set; } = 10;

    public double WarmupSeconds { get; private set; } = 2;

    /// <summary>How long to wait for the last acknowledgements once every report is sent.</summary>
    public double GraceSeconds { get; private set; } = 15;

    /// <summary>With S &gt; 0, only registers the devices and keeps them (and their sockets) for S seconds.</summary>
    public double IdleSeconds { get; private set; }

    public int LifetimeSeconds { get; private set; } = 3600;

    public int RegisterParallelism { get; private set; } = 64;

    /// <summary>The server processes whose CPU time (utime + stime) is charged to the measured reports.</summary>
    public IReadOnlyList<int> CpuPids { get; private set; } = [];

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
                case "--warmup": options.WarmupSeconds = double.Parse(value, inv); break;
                case "--grace": options.GraceSeconds = double.Parse(value, inv); break;
                case "--idle": options.IdleSeconds = double.Parse(value, inv); break;
                case "--lifetime": options.LifetimeSeconds = int.Parse(value, inv); break;
                case "--register-parallelism": options.RegisterParallelism = int.Parse(value, inv); break;
                case "--cpu-pid": options.CpuPids = [.. value.Split(',').Select(pid => int.Parse(pid, inv))]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
            i++;
        }
        return options;
    }

    /// <summary>The endpoint names of the first <see cref="Devices"/> devices of the credentials file, or <c>bench-000000</c>… without one.</summary>
    public IReadOnlyList<string> LoadEndpointNames()
    {
        if (CredentialsFile is null)
        {
            return [.. Enumerable.Range(0, Devices).Select(i => $"bench-{i:D6}")];
        }
        var names = File.ReadLines(CredentialsFile)
            .Select(line => line.Split(',', 2)[0].Trim())
            .Where(name => name.Length > 0)
            .Take(Devices)
            .ToList();
        if (names.Count < Devices)
        {
            throw new ArgumentException($"{CredentialsFile} holds {names.Count} devices, {Devices} asked for");
        }
        return names;
    }
}
