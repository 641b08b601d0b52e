using System.CommandLine;

namespace Shoal.Cli.Commands;

/// <summary>Short ways to declare the arguments and options the commands share.</summary>
internal static class Symbols
{
    public static Option<T> Option<T>(string name, string description, bool required = false) =>
        new(name) { Description = description, Required = required };

    public static Argument<string> Argument(string name, string description) => new(name) { Description = description };

    /// <summary>The application the command works in.</summary>
    public static Option<string> App() => Option<string>("--app", "The application ID.", required: true);
}
