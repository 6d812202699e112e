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

        foreach (var type in new[] { typeof(DataPlane), typeof(DataPlaneChain), typeof(ConfigPreparer), typeof(FallbackImporter), typeof(CacheTier), typeof(LinkTier), typeof(NodeIdentityProvider) })
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

    [Theory]
    [InlineData(typeof(DataPlaneChain))]
    [InlineData(typeof(IClusterLink))]
    [InlineData(typeof(DataPlane))]
    [InlineData(typeof(ILicenseReceiver))]
    public void The_link_the_licence_monitor_and_the_data_plane_form_a_line_built_in_any_order(Type first)
    {
        // A link that takes licences depends on the licence monitor, which acts on the data plane: nothing points back,
        // so the container builds the graph from any end without a Lazy in between.
        var services = Services();
        services.AddDataPlaneResilience(Section()).UseClusterLink<LicensedLink>();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        _ = provider.GetRequiredService(first);

        Assert.IsType<LicensedLink>(provider.GetRequiredService<LinkTier>().Link);
        Assert.Same(provider.GetRequiredService<ILicenseReceiver>(), ((LicensedLink)provider.GetRequiredService<IClusterLink>()).License);
        var chain = Path.Combine(Architecture.FolderLayoutTests.RepositoryRoot(), "src", "Resilience.Core", "Chain");
        Assert.DoesNotContain(Directory.GetFiles(chain, "*.cs"), f => File.ReadAllText(f).Contains("Lazy<", StringComparison.Ordinal));
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

    /// <summary>A link that hands licences to the node, as the WebSocket link does.</summary>
    private sealed class LicensedLink(ILicenseReceiver license) : IClusterLink
    {
        public ILicenseReceiver License { get; } = license;

        public Task RunAsync(IClusterLinkContext context, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        return services;
    }

    private IConfiguration Section() =>
        new ConfigurationBuilder().AddInMemoryCollection(ChainNode.Settings(_dir)).Build().GetSection("Resilience");
}
