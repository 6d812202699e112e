using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Resilience;
using Resilience.ClusterLink.WebSockets;

// Runs trimmed: binds every package's options from configuration (an in-memory section and environment variables)
// and validates them, as a node does at start-up. Exit code 0 and "trimming: ok" only when every value arrived.
var failures = new List<string>();

void Expect<T>(string what, T actual, T expected)
{
    if (!EqualityComparer<T>.Default.Equals(actual, expected))
    {
        failures.Add($"{what}: expected {expected}, got {actual}");
    }
}

const string prefix = "RESILIENCE_TRIMMING_";
Environment.SetEnvironmentVariable(prefix + "Resilience__FallbackStore__Import", "on");
Environment.SetEnvironmentVariable(prefix + "Resilience__ClusterLink__HeartbeatInterval", "00:00:05");

ServiceProvider Build(Dictionary<string, string?> values)
{
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).AddEnvironmentVariables(prefix).Build();
    var services = new ServiceCollection();
    services.AddLogging();
    services.AddDataPlaneResilience(configuration.GetSection("Resilience"))
        .UseLmdbCache()
        .UseWebSocketClusterLink();
    return services.BuildServiceProvider();
}

var valid = new Dictionary<string, string?>
{
    ["Resilience:NodeId"] = "trimmed-node",
    ["Resilience:Labels:zone"] = "a",
    ["Resilience:StartupTimeout"] = "00:00:07",
    ["Resilience:FallbackStore:Storage"] = "file:///var/lib/resilience/fallback",
    ["Resilience:FallbackStore:Export"] = "OFF",
    ["Resilience:FallbackStore:ExportDelay"] = "00:00:30",
    ["Resilience:Telemetry:BufferSizeLimit"] = "500",
    ["Resilience:Cache:Lmdb:MapSize"] = "1048576",
    ["Resilience:Cache:Lmdb:NativeLibrary"] = "System",
    ["Resilience:Cache:Encryption:KeyEnvironmentVariable"] = "TRIMMED_KEY",
    ["Resilience:ClusterLink:Endpoints:0"] = "wss://cp-a.example:8005/v1/outlet",
    ["Resilience:ClusterLink:Endpoints:1"] = "wss://cp-b.example:8005/v1/outlet",
    ["Resilience:ClusterLink:ClientCertificatePath"] = "/etc/resilience/client.pem",
};

using (var provider = Build(valid))
{
    var node = provider.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value;
    Expect("NodeId", node.NodeId, "trimmed-node");
    Expect("Labels:zone", node.Labels.TryGetValue("zone", out var zone) ? zone : null, "a");
    Expect("StartupTimeout", node.StartupTimeout, TimeSpan.FromSeconds(7));

    var store = provider.GetRequiredService<IOptions<FallbackStoreOptions>>().Value;
    Expect("FallbackStore:Storage", store.Storage, "file:///var/lib/resilience/fallback");
    Expect("FallbackStore:Import (env, on)", store.Import, true);
    Expect("FallbackStore:Export (OFF)", store.Export, false);
    Expect("FallbackStore:ExportDelay", store.ExportDelay, TimeSpan.FromSeconds(30));

    Expect("Telemetry:BufferSizeLimit", provider.GetRequiredService<IOptions<TelemetryOptions>>().Value.BufferSizeLimit, 500);

    var lmdb = provider.GetRequiredService<IOptions<LmdbConfigCacheOptions>>().Value;
    Expect("Cache:Lmdb:MapSize", lmdb.MapSize, 1048576L);
    Expect("Cache:Lmdb:NativeLibrary", lmdb.NativeLibrary, LmdbNativeLibrary.System);
    Expect("Cache:Encryption:KeyEnvironmentVariable", lmdb.Encryption.KeyEnvironmentVariable, "TRIMMED_KEY");

    var link = provider.GetRequiredService<IOptions<ClusterLinkOptions>>().Value;
    Expect("ClusterLink:Endpoints", string.Join(' ', link.Endpoints), "wss://cp-a.example:8005/v1/outlet wss://cp-b.example:8005/v1/outlet");
    Expect("ClusterLink:HeartbeatInterval (env)", link.HeartbeatInterval, TimeSpan.FromSeconds(5));
    Expect("ClusterLink:ClientCertificatePath", link.ClientCertificatePath, "/etc/resilience/client.pem");
    Expect("ClusterLink:ProxyTlsVerify (default)", link.ProxyTlsVerify, true);
}

// The source-generated validators still run after trimming: an out-of-range value fails, naming the option.
var invalid = new Dictionary<string, string?>(valid) { ["Resilience:ClusterLink:HeartbeatInterval"] = null, ["Resilience:Telemetry:BufferSizeLimit"] = "0" };
using (var provider = Build(invalid))
{
    try
    {
        _ = provider.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        failures.Add("Telemetry:BufferSizeLimit=0: expected an OptionsValidationException");
    }
    catch (OptionsValidationException e) when (e.Message.Contains(nameof(TelemetryOptions.BufferSizeLimit), StringComparison.Ordinal))
    {
    }
}

foreach (var failure in failures)
{
    Console.Error.WriteLine("trimming: " + failure);
}

Console.WriteLine(failures.Count == 0 ? "trimming: ok" : $"trimming: {failures.Count} failed");
return failures.Count == 0 ? 0 : 1;
