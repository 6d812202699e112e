// The plain YARP gateway the sample gateway is compared with (bench/sample-processes.sh): YARP's documented start,
// routes and clusters from the "ReverseProxy" section of its configuration (appsettings.json in the working
// directory, or environment variables), the default proxy pipeline.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapReverseProxy();
app.Run();
