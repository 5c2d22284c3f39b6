// A small chat server and client written the way many tutorials write them.
// Every file in this project holds one anti-pattern; 'dotnet build' reports each.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

ServerSetup.Configure(app);
app.MapGet("/", () => "WebSocketGuard anti-pattern sample");

app.Run();
