using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shoal.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class GrantBoundPushes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Subscriptions_ApplicationId_NotifyType",
                table: "Subscriptions");

            migrationBuilder.AddColumn<string>(
                name: "CreatorId",
                table: "Rules",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RecipientId",
                table: "PushDeliveries",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "IssuerId",
                table: "DeviceCommands",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Subscriptions_ApplicationId_SubscriberId_NotifyType",
                table: "Subscriptions",
                columns: new[] { "ApplicationId", "SubscriberId", "NotifyType" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Subscriptions_SubscriberId",
                table: "Subscriptions",
                column: "SubscriberId");

            migrationBuilder.AddForeignKey(
                name: "FK_Subscriptions_Applications_SubscriberId",
                table: "Subscriptions",
                column: "SubscriberId",
                principalTable: "Applications",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Subscriptions_Applications_SubscriberId",
                table: "Subscriptions");

            migrationBuilder.DropIndex(
                name: "IX_Subscriptions_ApplicationId_SubscriberId_NotifyType",
                table: "Subscriptions");

            migrationBuilder.DropIndex(
                name: "IX_Subscriptions_SubscriberId",
                table: "Subscriptions");

            migrationBuilder.DropColumn(
                name: "CreatorId",
                table: "Rules");

            migrationBuilder.DropColumn(
                name: "RecipientId",
                table: "PushDeliveries");

            migrationBuilder.DropColumn(
                name: "IssuerId",
                table: "DeviceCommands");

            migrationBuilder.CreateIndex(
                name: "IX_Subscriptions_ApplicationId_NotifyType",
                table: "Subscriptions",
                columns: new[] { "ApplicationId", "NotifyType" },
                unique: true);
        }
    }
}
