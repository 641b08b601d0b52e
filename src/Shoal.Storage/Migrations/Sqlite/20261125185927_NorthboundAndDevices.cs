using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shoal.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class NorthboundAndDevices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ApplicationGrants",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    GrantorId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    GranteeId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Level = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApplicationGrants", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ApplicationGrants_Applications_GranteeId",
                        column: x => x.GranteeId,
                        principalTable: "Applications",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ApplicationGrants_Applications_GrantorId",
                        column: x => x.GrantorId,
                        principalTable: "Applications",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Devices",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ApplicationId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    NodeId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    VerifyCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ProtectedSecret = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    ProductId = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Manufacturer = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Model = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    DeviceType = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    ProtocolType = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Location = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Description = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Activated = table.Column<bool>(type: "INTEGER", nullable: false),
                    Timeout = table.Column<int>(type: "INTEGER", nullable: false),
                    RegistrationExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastModifiedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastSeenAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Devices", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Devices_Applications_ApplicationId",
                        column: x => x.ApplicationId,
                        principalTable: "Applications",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "NorthboundTokens",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ApplicationId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    AccessTokenHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    RefreshTokenHash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    IssuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    AccessExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RefreshExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RevokedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NorthboundTokens", x => x.Id);
                    table.ForeignKey(
                        name: "FK_NorthboundTokens_Applications_ApplicationId",
                        column: x => x.ApplicationId,
                        principalTable: "Applications",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ApplicationGrants_GranteeId",
                table: "ApplicationGrants",
                column: "GranteeId");

            migrationBuilder.CreateIndex(
                name: "IX_ApplicationGrants_GrantorId_GranteeId",
                table: "ApplicationGrants",
                columns: new[] { "GrantorId", "GranteeId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Devices_ApplicationId_CreatedAt",
                table: "Devices",
                columns: new[] { "ApplicationId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Devices_ApplicationId_NodeId",
                table: "Devices",
                columns: new[] { "ApplicationId", "NodeId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Devices_RegistrationExpiresAt",
                table: "Devices",
                column: "RegistrationExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_NorthboundTokens_AccessTokenHash",
                table: "NorthboundTokens",
                column: "AccessTokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_NorthboundTokens_ApplicationId",
                table: "NorthboundTokens",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_NorthboundTokens_RefreshTokenHash",
                table: "NorthboundTokens",
                column: "RefreshTokenHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ApplicationGrants");

            migrationBuilder.DropTable(
                name: "Devices");

            migrationBuilder.DropTable(
                name: "NorthboundTokens");
        }
    }
}
