using Resilience;
using Resilience.Samples.Gateway;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Yarp.ReverseProxy.Configuration;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddReverseProxy();
builder.Services.AddSingleton<IProxyConfigProvider, DataPlaneProxyConfigProvider>();
builder.Services.AddSingleton<AppliedProxyRevision>();
builder.Services.AddSingleton<IConfigChangeListener>(sp => sp.GetRequiredService<AppliedProxyRevision>());
var resilienceSection = builder.Configuration.GetSection("Resilience");
var resilience = builder.Services
    .AddDataPlaneResilience(resilienceSection)
    .UseValidator<YarpConfigValidator>()
    .UseS3FallbackStore(); // serves s3:// storage URIs; file:// is built in; unused when no store is configured

// Tier 1, the live control plane, only when an endpoint is configured: without one the gateway runs on its
// cache, the fallback store and the declarative YAML.
if (!string.IsNullOrWhiteSpace(resilienceSection["ClusterLink:Endpoint"]))
{
    resilience.UseWebSocketClusterLink();
}

builder.Services.AddHealthChecks()
    .AddDataPlaneCheck(tags: ["ready"])
    .AddCheck<ProxyRoutesLoadedHealthCheck>("proxy-routes", tags: ["ready"]);

var app = builder.Build();

app.MapHealthChecks("/healthz", new() { Predicate = check => check.Name == "data-plane" });
app.MapHealthChecks("/healthz/ready", new() { Predicate = check => check.Tags.Contains("ready") });
app.MapGet("/resilience/state", (IDataPlane dataPlane, AppliedProxyRevision proxy) => Results.Json(new
{
    ServingTier = dataPlane.State.ServingTier.ToString(),
    dataPlane.State.IsReady,
    dataPlane.State.StartupCompleted,
    Link = dataPlane.State.Link.Status.ToString(),
    dataPlane.State.Link.LastError,
    Hash = dataPlane.Current?.Hash,
    dataPlane.Current?.Version,
    ProxyRevision = proxy.Current, // the hash YARP routes with; equals Hash once YARP has reloaded
    LastApply = dataPlane.State.LastApplyResult?.ToString(),
}));

// Operators load a configuration by hand on a disconnected node (served until the control plane next pushes).
app.MapPost("/resilience/apply", async (HttpRequest request, IDataPlane dataPlane, CancellationToken ct) =>
{
    using var body = new MemoryStream();
    await request.Body.CopyToAsync(body, ct);
    var format = request.ContentType?.Contains("yaml", StringComparison.OrdinalIgnoreCase) == true ? ConfigFormat.Yaml : ConfigFormat.Json;
    var result = await dataPlane.ApplyManualAsync(body.ToArray(), format, ct);
    return result.IsServing ? Results.Ok(result.ToString()) : Results.UnprocessableEntity(result.Errors);
});

app.MapReverseProxy(proxy => proxy.UseUsageRecording());
app.Run();

/// <summary>Visible to tests that host the gateway.</summary>
public partial class Program;
