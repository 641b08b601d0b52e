using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shoal.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CoapCodec : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Codec",
                table: "Applications",
                type: "TEXT",
                maxLength: 16384,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Devices_NodeId",
                table: "Devices",
                column: "NodeId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Devices_NodeId",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "Codec",
                table: "Applications");
        }
    }
}
