using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shoal.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OrderedPushes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DeviceId",
                table: "PushDeliveries",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "Sequence",
                table: "PushDeliveries",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_PushDeliveries_DeviceId_State_Id",
                table: "PushDeliveries",
                columns: new[] { "DeviceId", "State", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PushDeliveries_DeviceId_State_Id",
                table: "PushDeliveries");

            migrationBuilder.DropColumn(
                name: "DeviceId",
                table: "PushDeliveries");

            migrationBuilder.DropColumn(
                name: "Sequence",
                table: "PushDeliveries");
        }
    }
}
