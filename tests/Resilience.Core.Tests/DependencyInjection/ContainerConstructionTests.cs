using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Resilience.Tests.DependencyInjection;

/// <summary>The chain's services are built by the container from their constructors, each registered once.</summary>
public sealed class ContainerConstructionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void The_data_plane_and_the_chain_are_constructed_by_the_container()
    {
        var services = Services();
        services.AddDataPlaneResilience(Section());

        foreach (var type in new[] { typeof(DataPlane), typeof(DataPlaneChain), typeof(ConfigPreparer), typeof(FallbackImporter), typeof(ChainTiers), typeof(NodeIdentityProvider) })
        {
            var descriptor = Assert.Single(services, d => d.ServiceType == type);
            Assert.Equal(type, descriptor.ImplementationType);
        }

        // ValidateOnBuild resolves every constructor's parameters now: a registration the container cannot build fails here.
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var chain = provider.GetRequiredService<DataPlaneChain>();
        Assert.Same(provider.GetRequiredService<DataPlane>(), provider.GetRequiredService<IDataPlane>());
        Assert.Contains(chain, provider.GetServices<IHostedService>());
    }

    [Fact]
    public void A_second_AddDataPlaneResilience_adds_configuration_only()
    {
        var services = Services();
        services.AddDataPlaneResilience(Section());
        var count = services.Count;

        services.AddDataPlaneResilience(o => o.StartupTimeout = TimeSpan.FromSeconds(2));

        Assert.Single(services, d => d.ServiceType == typeof(DataPlaneChain));
        Assert.Single(services, d => d.ServiceType == typeof(IConfigSource));
        using var provider = services.BuildServiceProvider();
        Assert.Equal(TimeSpan.FromSeconds(2), provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DataPlaneResilienceOptions>>().Value.StartupTimeout);
        Assert.True(services.Count > count, "the second call binds its delegate");
    }

    public void Dispose() => _dir.Dispose();

    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        return services;
    }

    private IConfiguration Section() =>
        new ConfigurationBuilder().AddInMemoryCollection(ChainNode.Settings(_dir)).Build().GetSection("Resilience");
}
