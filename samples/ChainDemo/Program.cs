using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resilience;

// Walks one gateway node through the chain's start-up tiers on real files and prints a timeline.
// Exits non-zero when any phase serves something other than what the reference describes.
var workDir = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(Path.GetTempPath(), $"resilience-demo-{Guid.NewGuid():N}");
var dataDir = Path.Combine(workDir, "node-data");
var storeDir = Path.Combine(workDir, "fallback-store");
var yamlPath = Path.Combine(workDir, "kong-style.yaml");
if (Directory.Exists(workDir))
{
    // Every run starts as a brand-new node: no cache, no node id.
    Directory.Delete(workDir, recursive: true);
}

Directory.CreateDirectory(workDir);
Console.WriteLine($"demo workspace: {workDir}");

await File.WriteAllTextAsync(yamlPath, "name: from-yaml\nroutes:\n  - path: /yaml\n    upstream: http://127.0.0.1:9000\n");

// A backup node exported this earlier: <store>/<node version>/config.json.
Directory.CreateDirectory(Path.Combine(storeDir, "1.0.0"));
await File.WriteAllTextAsync(Path.Combine(storeDir, "1.0.0", "config.json"), """{"name":"from-store","routes":[{"path":"/store","upstream":"http://127.0.0.1:9000"}]}""");

var failures = 0;
await Phase("new node, no cache, control plane unreachable: imports from the fallback store", ConfigOrigin.FallbackStore, "from-store");
await Phase("restart while the control plane is down: serves its cache at once", ConfigOrigin.Cache, "from-store");

File.Delete(Path.Combine(dataDir, "config.json.gz"));
Directory.Delete(storeDir, recursive: true);
await Phase("cache deleted and store empty: loads the declarative YAML", ConfigOrigin.Declarative, "from-yaml");

File.Delete(Path.Combine(dataDir, "config.json.gz"));
await File.WriteAllTextAsync(yamlPath, "name: broken\nroutes: [unclosed\n");
await Phase("cache deleted, store empty, YAML invalid: starts empty and not ready", ConfigOrigin.None, null);

await File.WriteAllTextAsync(yamlPath, "name: from-yaml\nroutes: []\n");
await ManualApplyPhase();

Console.WriteLine(failures == 0 ? "demo: all phases passed" : $"demo: {failures} phase(s) FAILED");
return failures == 0 ? 0 : 1;

async Task Phase(string title, ConfigOrigin expectedTier, string? expectedName)
{
    using var host = BuildHost();
    var started = TimeProvider.System.GetTimestamp();
    await host.StartAsync();
    var plane = host.Services.GetRequiredService<IDataPlane>();
    var deadline = DateTime.UtcNow.AddSeconds(30);
    while (!plane.State.StartupCompleted && DateTime.UtcNow < deadline)
    {
        await Task.Delay(10);
    }

    var elapsed = TimeProvider.System.GetElapsedTime(started);
    var name = plane.Current is { } current ? NameOf(current) : null;
    var ok = plane.State.ServingTier == expectedTier && name == expectedName;
    failures += ok ? 0 : 1;
    var detail = plane.State.LastApplyResult is { Outcome: ApplyOutcome.Rejected } rejected ? $" (last rejection: {string.Join("; ", rejected.Errors)})" : string.Empty;
    Console.WriteLine($"[{(ok ? "ok" : "FAIL")}] {title}\n       serving tier={plane.State.ServingTier} config={name ?? "-"} ready={plane.State.IsReady} in {elapsed.TotalMilliseconds:F0} ms{detail}");
    await host.StopAsync();
}

async Task ManualApplyPhase()
{
    using var host = BuildHost();
    await host.StartAsync();
    var plane = host.Services.GetRequiredService<IDataPlane>();
    var result = await plane.ApplyManualAsync(Encoding.UTF8.GetBytes("name: manual\nroutes: []\n"), ConfigFormat.Yaml, CancellationToken.None);
    var ok = result.Outcome == ApplyOutcome.Applied && plane.State.ServingTier == ConfigOrigin.Manual && NameOf(plane.Current!) == "manual";
    failures += ok ? 0 : 1;
    Console.WriteLine($"[{(ok ? "ok" : "FAIL")}] operator applies a config by hand on a disconnected node\n       serving tier={plane.State.ServingTier} result={result}");
    await host.StopAsync();
}

IHost BuildHost()
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Resilience:DataDirectory"] = dataDir,
        ["Resilience:Declarative:Path"] = yamlPath,
        ["Resilience:FallbackStore:Storage"] = new Uri(storeDir + "/").AbsoluteUri,
        ["Resilience:FallbackStore:Import"] = "true",
    });
    builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddDataPlaneResilience(builder.Configuration.GetSection("Resilience"));
    return builder.Build();
}

static string NameOf(ConfigSnapshot snapshot)
{
    using var doc = JsonDocument.Parse(snapshot.Payload);
    return doc.RootElement.GetProperty("name").GetString() ?? "?";
}
