// The ceiling for the northbound benchmark: Kestrel answering device-sized JSON bodies (one device, a page of 100) with no work behind it.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

const string Device = """
    {"deviceId":"00000000-0000-0000-0000-000000000000","gatewayId":"00000000-0000-0000-0000-000000000000","nodeType":"GATEWAY","createTime":"20261125T101500Z","creationTime":"20261125T101500Z","lastModifiedTime":"20261125T101500Z","deviceInfo":{"nodeId":"bench-node","name":"bench","status":"INACTIVE","statusDetail":"NONE"},"services":[]}
    """;

var page = $$"""{"totalCount":100,"pageNo":0,"pageSize":100,"devices":[{{string.Join(',', Enumerable.Repeat(Device.Trim(), 100))}}]}""";

app.MapGet("/iocm/app/dm/v1.4.0/devices/{deviceId}", () => Results.Text(Device, "application/json"));
app.MapGet("/iocm/app/dm/v1.4.0/devices", () => Results.Text(page, "application/json"));
app.MapPost("/iocm/app/sec/v1.1.0/login", () => Results.Text("""{"scope":"default","tokenType":"bearer","expiresIn":3600,"accessToken":"x","refreshToken":"y"}""", "application/json"));
app.Run();
