using Shoal.Server.Hosting;
using Shoal.Server.Northbound;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = ContentRoot.Default(args) });

builder.AddShoalOptions();
builder.AddStorage();
builder.AddTracing();
builder.AddAccounts();
builder.AddManagementApi();
builder.AddNorthbound();
builder.AddGateway();
builder.AddDelivery();
builder.AddPortal();
builder.AddHealth();
builder.AddMetrics();

var app = builder.Build();

if (args.Contains("migrate"))
{
    await app.MigrateAsync();
    return;
}

app.SeparateAddresses();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapManagementApi();
app.MapNorthbound();
app.MapGateway();
app.MapPortal();
app.MapHealth();
app.MapMetrics();

await app.RunAsync();

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
