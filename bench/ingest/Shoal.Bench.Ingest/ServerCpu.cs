using System.Globalization;

namespace Shoal.Bench.Ingest;

/// <summary>The CPU time (user + system) of some processes from <c>/proc/{pid}/stat</c>, in microseconds.</summary>
internal static class ServerCpu
{
    // USER_HZ is 100 on every Linux architecture .NET runs on.
    private const long MicrosecondsPerTick = 10_000;

    public static long Read(IReadOnlyList<int> pids) => pids.Sum(Read);

    /// <summary>Waits (at most a minute) until the processes use less than a tenth of a core over half a second: what came before has settled.</summary>
    public static async Task WaitQuietAsync(IReadOnlyList<int> pids)
    {
        for (var i = 0; i < 120 && pids.Count > 0; i++)
        {
            var before = Read(pids);
            await Task.Delay(500);
            if (Read(pids) - before < 50_000)
            {
                return;
            }
        }
    }

    private static long Read(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) * MicrosecondsPerTick;
    }
}
