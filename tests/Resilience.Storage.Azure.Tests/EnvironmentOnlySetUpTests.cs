using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.Azure.Tests;

/// <summary>
/// A gateway set up by environment variables alone (storage URI, import, export, <c>AZURE_STORAGE_CONNECTION_STRING</c>),
/// on the host the gateway sample builds: <c>AddDataPlaneResilience(configuration.GetSection("Resilience")).UseAzureFallbackStore()</c>.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class EnvironmentOnlySetUpTests(AzuriteFixture fixture) : IClassFixture<AzuriteFixture>
{
    private const string Version = FallbackStoreBehaviourConstants.Version;

    [Fact]
    public async Task A_gateway_set_up_by_environment_variables_alone_exports_and_a_new_one_imports_from_azure()
    {
        var storage = fixture.NewStorageUri();
        var root = Path.Combine(Path.GetTempPath(), "resilience-env-" + Guid.NewGuid().ToString("N"));
        try
        {
            string exportedHash;
            using (new EnvironmentScope(new Dictionary<string, string?>
            {
                [AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable] = fixture.Server.ConnectionString,
                ["Resilience__NodeId"] = "backup-1",
                ["Resilience__NodeVersion"] = Version,
                ["Resilience__DataDirectory"] = Path.Combine(root, "exporter"),
                ["Resilience__FallbackStore__Storage"] = storage,
                ["Resilience__FallbackStore__Export"] = "on",
                ["Resilience__FallbackStore__ExportDelay"] = "00:00:00",
                ["Resilience__FallbackStore__ElectionInterval"] = "00:00:00.500",
                ["Resilience__FallbackStore__ElectionGrace"] = "00:00:03",
                // The grace must cover the store's retry budget (checked at start).
                ["Resilience__FallbackStore__Azure__AttemptTimeout"] = "00:00:01",
                ["Resilience__FallbackStore__Azure__TotalTimeout"] = "00:00:02",
            }))
            {
                var controlPlane = new ScriptedControlPlaneLink();
                using var exporter = BuildGateway(out _, controlPlane);
                await exporter.StartAsync();
                Assert.True((await controlPlane.PushAsync("{\"routes\":[\"from-the-control-plane\"]}"u8.ToArray())).IsServing);
                exportedHash = exporter.Services.GetRequiredService<IDataPlane>().Current!.Hash;
                var store = exporter.Services.GetRequiredService<FallbackStoreResolver>().Store!;
                Assert.IsType<AzureFallbackStore>(store);
                await Eventually.HoldsAsync(
                    async () => await store.GetAsync(FallbackStoreKeys.Config(Version), 1 << 20, CancellationToken.None) is { } stored
                        && stored.Metadata.TryGetValue(FallbackStoreKeys.ConfigHashMetadataKey, out var hash) && hash == exportedHash,
                    TimeSpan.FromSeconds(30),
                    "the exporter uploads the configuration with its config-hash metadata");
                await exporter.StopAsync();
            }

            using (new EnvironmentScope(new Dictionary<string, string?>
            {
                [AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable] = fixture.Server.ConnectionString,
                ["Resilience__NodeId"] = "new-node",
                ["Resilience__NodeVersion"] = Version,
                ["Resilience__DataDirectory"] = Path.Combine(root, "importer"),
                ["Resilience__FallbackStore__Storage"] = storage,
                ["Resilience__FallbackStore__Import"] = "on",
            }))
            {
                using var importer = BuildGateway(out _, new UnreachableControlPlaneLink());
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
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Resilience__FallbackStore__Azure__ConnectionString_wins_over_the_Azure_variable_and_the_log_says_so()
    {
        using var environment = new EnvironmentScope(new Dictionary<string, string?>
        {
            [AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable] = "UseDevelopmentStorage=true",
            ["Resilience__DataDirectory"] = Path.Combine(Path.GetTempPath(), "resilience-env-" + Guid.NewGuid().ToString("N")),
            ["Resilience__FallbackStore__Storage"] = fixture.NewStorageUri(),
            ["Resilience__FallbackStore__Azure__ConnectionString"] = fixture.Server.ConnectionString,
        });
        using var host = BuildGateway(out var logs);

        Assert.Equal(fixture.Server.ConnectionString, host.Services.GetRequiredService<IOptions<AzureFallbackStoreOptions>>().Value.ConnectionString);
        var store = host.Services.GetRequiredService<FallbackStoreResolver>().Store!;
        await store.PutAsync("k", "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        Assert.NotNull(await store.GetAsync("k", 1024, CancellationToken.None));
        var ignored = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 3352);
        Assert.Equal(LogLevel.Warning, ignored.Level);
        Assert.Contains(AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable, ignored.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey=", string.Join("\n", logs.GetSnapshot().Select(r => r.Message)), StringComparison.Ordinal);
    }

    private static IHost BuildGateway(out FakeLogCollector logs, IClusterLink? controlPlane = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        var resilience = builder.Services.AddDataPlaneResilience(builder.Configuration.GetSection("Resilience")).UseAzureFallbackStore();
        if (controlPlane is not null)
        {
            resilience.UseClusterLink(controlPlane);
        }

        var host = builder.Build();
        logs = host.Services.GetFakeLogCollector();
        return host;
    }
}
