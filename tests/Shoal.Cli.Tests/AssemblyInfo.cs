[assembly: AssemblyFixture(typeof(Shoal.Cli.Tests.CliServer))]
