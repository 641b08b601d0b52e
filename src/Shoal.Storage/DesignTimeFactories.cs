using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Shoal.Storage;

/// <summary>Lets <c>dotnet ef migrations add</c> build each provider's context without the server.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteShoalDb>
{
    public SqliteShoalDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteShoalDb>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresShoalDb>
{
    public PostgresShoalDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresShoalDb>().UseNpgsql("Host=localhost").Options);
}
