using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shoal.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DeviceHistoryIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_DeviceDataPoints_DeviceId_EventTime",
                table: "DeviceDataPoints");

            migrationBuilder.CreateIndex(
                name: "IX_DeviceDataPoints_DeviceId_ApplicationId_EventTime_Id",
                table: "DeviceDataPoints",
                columns: new[] { "DeviceId", "ApplicationId", "EventTime", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_DeviceDataPoints_DeviceId_ApplicationId_EventTime_Id",
                table: "DeviceDataPoints");

            migrationBuilder.CreateIndex(
                name: "IX_DeviceDataPoints_DeviceId_EventTime",
                table: "DeviceDataPoints",
                columns: new[] { "DeviceId", "EventTime" });
        }
    }
}
