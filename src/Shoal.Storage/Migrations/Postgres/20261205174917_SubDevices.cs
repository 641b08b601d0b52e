using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shoal.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SubDevices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "GatewayId",
                table: "Devices",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "SubDevicesVersion",
                table: "Devices",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateIndex(
                name: "IX_Devices_GatewayId",
                table: "Devices",
                column: "GatewayId");

            migrationBuilder.AddForeignKey(
                name: "FK_Devices_Devices_GatewayId",
                table: "Devices",
                column: "GatewayId",
                principalTable: "Devices",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Devices_Devices_GatewayId",
                table: "Devices");

            migrationBuilder.DropIndex(
                name: "IX_Devices_GatewayId",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "GatewayId",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "SubDevicesVersion",
                table: "Devices");
        }
    }
}
