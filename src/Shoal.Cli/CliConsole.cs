namespace Shoal.Cli;

/// <summary>Where a run of the CLI reads and writes: the process's streams, or a test's.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In, string ConfigDirectory)
{
    public static CliConsole System() => new(Console.Out, Console.Error, Console.In, DefaultConfigDirectory());

    /// <summary>$SHOAL_CONFIG_DIR, else $XDG_CONFIG_HOME/shoal, else ~/.config/shoal (the platform's application data folder elsewhere).</summary>
    public static string DefaultConfigDirectory()
    {
        var explicitDirectory = Environment.GetEnvironmentVariable("SHOAL_CONFIG_DIR");
        if (!string.IsNullOrEmpty(explicitDirectory))
        {
            return explicitDirectory;
        }
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify) : xdg, "shoal");
    }
}
