using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shoal.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ClusterNodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ClusterNodes",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LeaseUntil = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClusterNodes", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "NorthboundCallCounts",
                columns: table => new
                {
                    ApplicationId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Window = table.Column<long>(type: "INTEGER", nullable: false),
                    Node = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Calls = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NorthboundCallCounts", x => new { x.Window, x.ApplicationId, x.Node });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClusterNodes");

            migrationBuilder.DropTable(
                name: "NorthboundCallCounts");
        }
    }
}
