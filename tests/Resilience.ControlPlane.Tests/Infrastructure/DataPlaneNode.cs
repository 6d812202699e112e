using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane.Tests;

/// <summary>A real data plane: a host with the chain and the WebSocket link, a temp data directory, and a validator that records every configuration it sees.</summary>
internal sealed class DataPlaneNode : IAsyncDisposable
{
    private readonly IHost _host;

    private DataPlaneNode(IHost host, string dataDirectory)
    {
        _host = host;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    /// <summary>Gets every payload the validator saw, in order (a config that reached the validator is one the pipeline tried to apply).</summary>
    public ConcurrentQueue<string> Validated { get; } = new();

    public IDataPlane DataPlane => _host.Services.GetRequiredService<IDataPlane>();

    public ConfigSnapshot? Current => DataPlane.Current;

    public DataPlaneState State => DataPlane.State;

    public IServiceProvider Services => _host.Services;

    public IUsageRecorder Usage => _host.Services.GetRequiredService<IUsageRecorder>();

    /// <summary>Link settings fast enough for tests on real servers.</summary>
    public static void FastLink(ClusterLinkOptions o)
    {
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        o.HeartbeatTimeout = TimeSpan.FromSeconds(3);
        o.ReconnectDelayMin = TimeSpan.FromMilliseconds(50);
        o.ReconnectDelayMax = TimeSpan.FromMilliseconds(150);
        o.ConnectTimeout = TimeSpan.FromSeconds(10);
    }

    public static async Task<DataPlaneNode> StartAsync(
        Action<ClusterLinkOptions> link,
        string? dataDirectory = null,
        string nodeId = "dp-1",
        Func<string, string?>? reject = null,
        TimeSpan? startupTimeout = null,
        Action<IServiceCollection>? services = null)
    {
        dataDirectory ??= Directory.CreateTempSubdirectory("resilience-dp-").FullName;
        DataPlaneNode? node = null;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("RESILIENCE_TEST_LOGS") == "1")
        {
            builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Debug);
        }

        builder.Services
            .AddDataPlaneResilience(o =>
            {
                o.DataDirectory = dataDirectory;
                o.NodeId = nodeId;
                o.NodeVersion = "1.2.3";
                o.Labels["region"] = "test";
                o.StartupTimeout = startupTimeout ?? TimeSpan.FromSeconds(10);
            })
            .UseValidator((payload, _) =>
            {
                var json = Encoding.UTF8.GetString(payload.Span);
                node!.Validated.Enqueue(json);
                return ValueTask.FromResult(reject?.Invoke(json) is { } error ? ConfigValidationResult.Invalid([error]) : ConfigValidationResult.Valid());
            })
            .UseWebSocketClusterLink(o =>
            {
                FastLink(o);
                link(o);
            });
        services?.Invoke(builder.Services);
        var host = builder.Build();
        node = new DataPlaneNode(host, dataDirectory);
        await host.StartAsync();
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(cts.Token);
        _host.Dispose();
    }
}
