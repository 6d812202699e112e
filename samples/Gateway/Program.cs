using Microsoft.AspNetCore.Authentication;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Resilience;
using Resilience.Samples.Gateway;
using Resilience.Yarp;

var builder = WebApplication.CreateBuilder(args);

var resilience = builder.Services
    .AddDataPlaneResilience(builder.Configuration.GetSection("Resilience"))
    .UseS3FallbackStore() // serves s3:// storage URIs; file:// is built in; unused when no store is configured
    .UseAzureFallbackStore(); // serves azure://container/prefix (AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT, or Resilience:FallbackStore:Azure)

// Tier 2 in an LMDB directory (dbless.lmdb) instead of config.json.gz when Gateway:Cache says so; switching kinds
// keeps the configuration: the node reads what the other kind left, serves it and writes its own.
if (string.Equals(builder.Configuration["Gateway:Cache"], "Lmdb", StringComparison.OrdinalIgnoreCase))
{
    resilience.UseLmdbCache();
}
else
{
    resilience.MigrateFromLmdbCache(); // a node moved back from LMDB reads the dbless.lmdb it left
}

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
// nobody can. Use your own scheme (certificates, JWT) in production: the endpoints only need the policy. The policy
// names its scheme, and Gateway.csproj turns off the automatic default scheme: a lone scheme would otherwise become the
// default and authenticate every proxied request too (docs/benchmarks.md, the request path).
// AddAuthenticationCore, not AddAuthentication: a key in a header needs no data protection (that is for cookies and
// remote sign-in), and AddAuthentication's would load (or first create and write) a key ring at every start.
new AuthenticationBuilder(builder.Services.AddAuthenticationCore().AddWebEncoders()).AddAdminKey(builder.Configuration["Gateway:AdminKey"]);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(DataPlaneAdminDefaults.PolicyName, policy => policy.AddAuthenticationSchemes(AdminKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole(AdminKeyAuthenticationHandler.Role));

// OpenTelemetry: the data plane's and YARP integration's meters, scraped at /metrics (Prometheus text format);
// the spans, and the metrics again, go to an OTLP collector only when OTEL_EXPORTER_OTLP_ENDPOINT names one, so
// a gateway without a collector does not try to reach one. Gateway:OpenTelemetry=false leaves all of it out (what it
// costs at start-up is in docs/benchmarks.md).
var openTelemetry = builder.Configuration.GetValue("Gateway:OpenTelemetry", true);
var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
if (openTelemetry)
{
    builder.Services.AddOpenTelemetry()
        .WithMetrics(metrics =>
        {
            metrics.AddMeter(DataPlaneTelemetry.MeterName, YarpTelemetry.MeterName).AddPrometheusExporter();
            if (otlp)
            {
                metrics.AddOtlpExporter();
            }
        })
        .WithTracing(tracing =>
        {
            tracing.AddSource(DataPlaneTelemetry.ActivitySourceName);
            if (otlp)
            {
                tracing.AddOtlpExporter();
            }
        });
}

var app = builder.Build();
if (openTelemetry)
{
    app.MapPrometheusScrapingEndpoint();
}

app.MapDataPlaneHealthChecks();
app.MapDataPlaneAdmin();
app.MapReverseProxyWithUsageRecording();
app.Run();

/// <summary>Visible to tests that host the gateway.</summary>
public partial class Program;
