using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shoal.Storage.Migrations.Postgres
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
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LeaseUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClusterNodes", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "NorthboundCallCounts",
                columns: table => new
                {
                    ApplicationId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Window = table.Column<long>(type: "bigint", nullable: false),
                    Node = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Calls = table.Column<int>(type: "integer", nullable: false)
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
