namespace Shoal.Cli;

/// <summary>What a script can rely on; docs/cli.md lists the same.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The server refused the request, or the object does not exist.</summary>
    public const int Refused = 1;
    /// <summary>The command line is wrong: unknown command or option, a missing or unreadable value or file.</summary>
    public const int Usage = 2;
    /// <summary>Not logged in, the token or application secret was refused, or the account may not do this.</summary>
    public const int Auth = 3;
    /// <summary>The server could not be reached, or failed (5xx).</summary>
    public const int Unavailable = 4;
}

/// <summary>An expected failure: its message goes to stderr in plain words and the run ends with its exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
