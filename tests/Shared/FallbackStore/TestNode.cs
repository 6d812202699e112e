using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Resilience.Tests.FallbackStore;

/// <summary>What a test node runs with.</summary>
public sealed class TestNodeSettings
{
    public required string NodeId { get; init; }

    public string NodeVersion { get; init; } = FallbackStoreBehaviourConstants.Version;

    public string? Storage { get; init; }

    public bool Import { get; init; }

    public bool Export { get; init; }

    public TimeSpan ElectionInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ElectionGrace { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ExportDelay { get; init; } = TimeSpan.Zero;

    /// <summary>A YAML document for tier 4, or null for none.</summary>
    public string? Yaml { get; init; }

    public IClusterLink? Link { get; init; }

    /// <summary>A store registered directly (wins over the URI), for counting uploads.</summary>
    public IFallbackStore? Store { get; init; }

    /// <summary>Registers the store package (its Use...FallbackStore call).</summary>
    public Action<IDataPlaneResilienceBuilder>? UseStore { get; init; }

    /// <summary>Any further registrations (a logger provider, a validator).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}

/// <summary>A real data-plane node: a host with <c>AddDataPlaneResilience</c>, its own data directory, and the settings given.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _directory;
    private bool _stopped;

    private TestNode(IHost host, string directory)
    {
        _host = host;
        _directory = directory;
    }

    public IDataPlane DataPlane => _host.Services.GetRequiredService<IDataPlane>();

    public IServiceProvider Services => _host.Services;

    public string DataDirectory => _directory;

    /// <summary>Whether this node leads the exporter election, as its public leader gauge (<c>resilience.fallback_store.exporter.leader</c>) says.</summary>
    public bool IsExporterLeader
    {
        get
        {
            var factory = _host.Services.GetRequiredService<IMeterFactory>();
            int? value = null;
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "resilience.fallback_store.exporter.leader")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<int>((_, measurement, _, _) => value = measurement);
            listener.Start();
            listener.RecordObservableInstruments();
            return value == 1;
        }
    }

    public static async Task<TestNode> StartAsync(TestNodeSettings settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), "resilience-node-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string? yamlPath = null;
        if (settings.Yaml is not null)
        {
            yamlPath = Path.Combine(directory, "kong.yaml");
            await File.WriteAllTextAsync(yamlPath, settings.Yaml, Encoding.UTF8);
        }

        var host = new HostBuilder()
            .ConfigureServices(services =>
            {
                var builder = services.AddDataPlaneResilience(o =>
                {
                    o.NodeId = settings.NodeId;
                    o.NodeVersion = settings.NodeVersion;
                    o.DataDirectory = Path.Combine(directory, "data");
                    o.StartupTimeout = TimeSpan.FromSeconds(10);
                });
                services.Configure<FallbackStoreOptions>(o =>
                {
                    o.Storage = settings.Storage;
                    o.Import = settings.Import;
                    o.Export = settings.Export;
                    o.ElectionInterval = settings.ElectionInterval;
                    o.ElectionGrace = settings.ElectionGrace;
                    o.ExportDelay = settings.ExportDelay;
                });
                services.Configure<DeclarativeConfigOptions>(o => o.Path = yamlPath);
                if (settings.Link is not null)
                {
                    services.AddSingleton(settings.Link);
                }

                if (settings.Store is not null)
                {
                    services.AddSingleton(settings.Store);
                }

                settings.UseStore?.Invoke(builder);
                settings.ConfigureServices?.Invoke(services);
            })
            .Build();
        var node = new TestNode(host, directory);
        await host.StartAsync();
        return node;
    }

    /// <summary>Waits until start-up has walked the chain.</summary>
    public async Task WaitForStartupAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.Services.GetRequiredService<DataPlane>().WaitForStateAsync(s => s.StartupCompleted, timeout.Token);
    }

    /// <summary>Stops the node gracefully (an exporter withdraws its registration).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class FallbackStoreBehaviourConstants
{
    public const string Version = "3.6.0.0";
}
