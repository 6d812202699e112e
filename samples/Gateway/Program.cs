using Resilience.Samples.Gateway;
using Resilience.Yarp;

var builder = WebApplication.CreateBuilder(args);

var resilience = builder.Services
    .AddDataPlaneResilience(builder.Configuration.GetSection("Resilience"))
    .UseS3FallbackStore(); // serves s3:// storage URIs; file:// is built in; unused when no store is configured

// Tier 1, the live control plane, only when an endpoint is configured: without one the gateway runs on its
// cache, the fallback store and the declarative YAML.
if (!string.IsNullOrWhiteSpace(builder.Configuration["Resilience:ClusterLink:Endpoint"]))
{
    resilience.UseWebSocketClusterLink();
}

// YARP routes with whatever the data plane serves: YARP's own "ReverseProxy" JSON, checked by YARP's validators
// before it can be served.
builder.Services.AddReverseProxy().LoadFromDataPlane();

// Readiness: a configuration is served and YARP routes with it. Liveness (/healthz) has no checks: a node with
// nothing to serve waits for one instead of being restarted.
builder.Services.AddHealthChecks()
    .AddDataPlaneCheck(tags: [DataPlaneHealthEndpointRouteBuilderExtensions.ReadyTag])
    .AddDataPlaneRoutingCheck();

// Operators call /resilience/state and /resilience/apply with the key in Gateway:AdminKey; without a key configured
// nobody can. Use your own scheme (certificates, JWT) in production: the endpoints only need the policy.
builder.Services.AddAuthentication().AddAdminKey(builder.Configuration["Gateway:AdminKey"]);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(DataPlaneAdminDefaults.PolicyName, policy => policy.AddAuthenticationSchemes(AdminKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser());

var app = builder.Build();
app.MapDataPlaneHealthChecks();
app.MapDataPlaneAdmin();
app.MapReverseProxyWithUsageRecording();
app.Run();

/// <summary>Visible to tests that host the gateway.</summary>
public partial class Program;
