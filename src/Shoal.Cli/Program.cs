using Shoal.Cli;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return await ShoalCli.RunAsync(args, CliConsole.System(), stop.Token);
