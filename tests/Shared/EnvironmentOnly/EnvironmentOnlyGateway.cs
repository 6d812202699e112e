using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Resilience.Tests.FallbackStore;

namespace Resilience.Tests.EnvironmentOnly;

/// <summary>
/// The gateway sample's set-up with the environment as its only input (<c>Host.CreateApplicationBuilder</c> reads it;
/// <c>AddDataPlaneResilience(configuration.GetSection("Resilience")).Use...FallbackStore()</c>, nothing else), and the
/// reference's scenario on it: a backup node exports, a new node imports. Run inside <see cref="ProcessEnvironmentCollection"/>.
/// </summary>
public static class EnvironmentOnlyGateway
{
    private const string Version = FallbackStoreBehaviourConstants.Version;

    /// <summary>Builds the gateway. <paramref name="controlPlane"/> stands in for the sample's <c>UseWebSocketClusterLink()</c> (only configurations from the control plane are exported).</summary>
    public static IHost Build(Func<IDataPlaneResilienceBuilder, IDataPlaneResilienceBuilder> useStore, out FakeLogCollector logs, IClusterLink? controlPlane = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        var resilience = useStore(builder.Services.AddDataPlaneResilience(builder.Configuration.GetSection("Resilience")));
        if (controlPlane is not null)
        {
            resilience.UseClusterLink(controlPlane);
        }

        var host = builder.Build();
        logs = host.Services.GetFakeLogCollector();
        return host;
    }

    /// <summary>
    /// A backup gateway set up by environment variables alone exports what its control plane pushes, with its
    /// <c>config-hash</c> metadata; then a new gateway, also set up by variables alone, boots from the store.
    /// </summary>
    /// <param name="storage">The storage URI.</param>
    /// <param name="storeSection">The store's options section under <c>FallbackStore</c> (<c>S3</c>, <c>Azure</c>), for a budget within the grace.</param>
    /// <param name="storeVariables">The store's own variables (credentials, endpoint).</param>
    /// <param name="useStore">The store package's <c>Use...FallbackStore()</c>.</param>
    public static async Task ExportThenImportAsync(string storage, string storeSection, IReadOnlyDictionary<string, string?> storeVariables, Func<IDataPlaneResilienceBuilder, IDataPlaneResilienceBuilder> useStore)
    {
        var root = Path.Combine(Path.GetTempPath(), "resilience-env-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            string exportedHash;
            using (new EnvironmentScope(new Dictionary<string, string?>(storeVariables)
            {
                ["Resilience__NodeId"] = "backup-1",
                ["Resilience__NodeVersion"] = Version,
                ["Resilience__DataDirectory"] = Path.Combine(root, "exporter"),
                ["Resilience__FallbackStore__Storage"] = storage,
                ["Resilience__FallbackStore__Export"] = "on",
                ["Resilience__FallbackStore__ExportDelay"] = "00:00:00",
                ["Resilience__FallbackStore__ElectionInterval"] = "00:00:00.500",
                ["Resilience__FallbackStore__ElectionGrace"] = "00:00:03",
                // The grace must cover the store's retry budget (checked at start).
                [$"Resilience__FallbackStore__{storeSection}__AttemptTimeout"] = "00:00:01",
                [$"Resilience__FallbackStore__{storeSection}__TotalTimeout"] = "00:00:02",
            }))
            {
                var controlPlane = new ScriptedControlPlaneLink();
                using var exporter = Build(useStore, out _, controlPlane);
                await exporter.StartAsync();
                Assert.True((await controlPlane.PushAsync("{\"routes\":[\"from-the-control-plane\"]}"u8.ToArray())).IsServing);
                exportedHash = exporter.Services.GetRequiredService<IDataPlane>().Current!.Hash;
                var store = exporter.Services.GetRequiredService<FallbackStoreResolver>().Store!;
                await Eventually.HoldsAsync(
                    async () => await ExportedHashAsync(store) == exportedHash,
                    "the exporter uploads the configuration with its config-hash metadata",
                    TimeSpan.FromSeconds(30));
                await exporter.StopAsync();
            }

            using (new EnvironmentScope(new Dictionary<string, string?>(storeVariables)
            {
                ["Resilience__NodeId"] = "new-node",
                ["Resilience__NodeVersion"] = Version,
                ["Resilience__DataDirectory"] = Path.Combine(root, "importer"),
                ["Resilience__FallbackStore__Storage"] = storage,
                ["Resilience__FallbackStore__Import"] = "on",
            }))
            {
                using var importer = Build(useStore, out _, new UnreachableControlPlaneLink());
                await importer.StartAsync();
                var dataPlane = importer.Services.GetRequiredService<DataPlane>();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await dataPlane.WaitForStateAsync(s => s.StartupCompleted, timeout.Token);

                Assert.Equal(ConfigOrigin.FallbackStore, dataPlane.Current?.Origin);
                Assert.Equal(exportedHash, dataPlane.Current!.Hash);
                await importer.StopAsync();
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// The <c>config-hash</c> metadata of the exported object, or null while there is none. The poll reads with the
    /// exporter's 2 s budget on a loaded machine, and s3rver can serve a torn object while it is rewritten: a failed
    /// read is "not exported yet" for this poll, as a node's import would retry it.
    /// </summary>
    private static async Task<string?> ExportedHashAsync(IFallbackStore store)
    {
        try
        {
            return await store.GetAsync(FallbackStoreKeys.Config(Version), 1 << 20, CancellationToken.None) is { } stored
                && stored.Metadata.TryGetValue(FallbackStoreKeys.ConfigHashMetadataKey, out var hash) ? hash : null;
        }
        catch (FallbackStoreException)
        {
            return null;
        }
    }
}
