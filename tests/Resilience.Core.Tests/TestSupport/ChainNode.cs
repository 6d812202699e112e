using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Resilience.Tests;

/// <summary>A real host running the chain over real files, as a gateway would.</summary>
public sealed class ChainNode : IAsyncDisposable
{
    private readonly IHost _host;

    private ChainNode(IHost host) => _host = host;

    public IDataPlane DataPlane => _host.Services.GetRequiredService<IDataPlane>();

    public IServiceProvider Services => _host.Services;

    internal Task Startup => _host.Services.GetRequiredService<DataPlaneChain>().Startup;

    public static async Task<ChainNode> StartAsync(IDictionary<string, string?> settings, Action<IDataPlaneResilienceBuilder>? configure = null, Action<IServiceCollection>? services = null)
    {
        var node = await StartUnobservedAsync(settings, configure, services);
        await node.Startup.WaitAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>Starts the host without waiting for the walk down the chain to finish.</summary>
    public static async Task<ChainNode> StartUnobservedAsync(IDictionary<string, string?> settings, Action<IDataPlaneResilienceBuilder>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        services?.Invoke(builder.Services);
        builder.Services.AddLogging();
        var resilience = builder.Services.AddDataPlaneResilience(builder.Configuration.GetSection("Resilience"));
        configure?.Invoke(resilience);
        var host = builder.Build();
        await host.StartAsync();
        return new ChainNode(host);
    }

    public static Dictionary<string, string?> Settings(TempDirectory dir, string? yaml = null, string? store = null, bool import = false) => new()
    {
        ["Resilience:DataDirectory"] = dir.Combine("data"),
        ["Resilience:NodeVersion"] = "1.0.0",
        ["Resilience:StartupTimeout"] = "00:00:05",
        ["Resilience:Declarative:Path"] = yaml,
        ["Resilience:FallbackStore:Storage"] = store,
        ["Resilience:FallbackStore:Import"] = import ? "true" : "false",
    };

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
