using System.CommandLine;
using Shoal.Cli.Commands;

namespace Shoal.Cli;

/// <summary>The <c>shoal</c> command: parses the line, runs the command, and turns failures into words and exit codes.</summary>
public static class ShoalCli
{
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        var root = Build(console);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync(error.Message);
            }
            await console.Error.WriteLineAsync("Run `shoal --help` (or the command with --help) for usage.");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
    }

    private static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("Shoal from the terminal: the management API, the northbound API and a simulated device.")
        {
            new Option<bool>("--json") { Description = "Write JSON on stdout for scripts, and nothing else there.", Recursive = true },
            new Option<string?>("--profile") { Description = "Which logged-in server to use (default: 'default').", Recursive = true },
        };
        var cli = new CommandFactory(console);
        foreach (var command in new[]
        {
            AccountCommands.Login(cli), AccountCommands.Logout(cli),
            ApplicationCommands.Build(cli), DeviceCommands.Build(cli), Simulator.Build(cli), HistoryCommand.Build(cli),
            CommandCommands.Build(cli), SubscriptionCommands.Build(cli), RuleCommands.Build(cli), TailCommand.Build(cli),
            OperatorCommands.Users(cli), OperatorCommands.Quota(cli), OperatorCommands.Freeze(cli, true), OperatorCommands.Freeze(cli, false),
            OperatorCommands.Servers(cli), OperatorCommands.Traces(cli),
        })
        {
            root.Add(command);
        }
        return root;
    }
}

/// <summary>Makes commands whose action runs with an <see cref="Invocation"/> and reports a <see cref="CliException"/> in words.</summary>
internal sealed class CommandFactory(CliConsole console)
{
    public Command Command(string name, string description, Func<Invocation, CancellationToken, Task<int>> action, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Add(argument);
                    break;
                case Option option:
                    command.Add(option);
                    break;
            }
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(new Invocation(console, parse), cancellationToken);
            }
            catch (CliException e)
            {
                await console.Error.WriteLineAsync(e.Message);
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    public static Command Group(string name, string description, params Command[] subcommands)
    {
        var group = new Command(name, description);
        foreach (var subcommand in subcommands)
        {
            group.Add(subcommand);
        }
        return group;
    }
}
