using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>How a host turns the link on: the <c>ClusterLink</c> sub-section, the delegate, start-up validation.</summary>
public sealed class ClusterLinkRegistrationTests
{
    [Fact]
    public void UseWebSocketClusterLink_binds_the_ClusterLink_section_then_applies_the_delegate()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resilience:ClusterLink:Endpoint"] = "wss://cp.example.com:8005/v1/outlet",
            ["Resilience:ClusterLink:ServerName"] = "cp.example.com",
            ["Resilience:ClusterLink:ClientCertificatePath"] = "/etc/dp/cluster.crt",
            ["Resilience:ClusterLink:HeartbeatInterval"] = "00:00:10",
            ["Resilience:ClusterLink:HeartbeatTimeout"] = "00:00:20",
            ["Resilience:ClusterLink:UseProxy"] = "true",
            ["Resilience:ClusterLink:ProxyUri"] = "http://user:pass@proxy:3128",
        }).Build().GetSection("Resilience");
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(section).UseWebSocketClusterLink(o => o.ReconnectDelayMax = TimeSpan.FromSeconds(20));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ClusterLinkOptions>>().Value;

        Assert.Equal(new Uri("wss://cp.example.com:8005/v1/outlet"), options.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(10), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(20), options.ReconnectDelayMax);
        Assert.True(options.UseProxy);
        Assert.IsType<WebSocketClusterLink>(provider.GetRequiredService<IClusterLink>());
    }

    [Fact]
    public void Invalid_link_options_fail_at_start_up_with_every_problem()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.GetTempPath())
            .UseWebSocketClusterLink(o =>
            {
                o.Endpoint = new Uri("ws://cp.example.com/v1/outlet");
                o.HeartbeatTimeout = TimeSpan.FromSeconds(10);
                o.UseProxy = true;
            });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ClusterLinkOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("wss://", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("HeartbeatTimeout", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ClientCertificatePath", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ProxyUri", StringComparison.Ordinal));
    }

    [Fact]
    public void The_chain_gets_the_registered_link_although_the_link_depends_on_the_data_plane()
    {
        // WebSocketClusterLink needs the licence monitor, which needs the data plane, which needs the cache: only the
        // chain, built after the data plane, takes the link (a cycle would be one .NET 10 reports and .NET 8 hangs on).
        var services = new ServiceCollection().AddLogging().AddFakeLogging();
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.Combine(Path.GetTempPath(), "resilience-link-" + Guid.NewGuid().ToString("N")))
            .UseWebSocketClusterLink(o =>
            {
                o.Endpoint = new Uri("wss://cp.example.com:8005/v1/outlet");
                o.ServerName = "cp.example.com";
                o.ClientCertificatePath = "/etc/dp/cluster.crt";
            });
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<DataPlaneChain>();

        var link = provider.GetRequiredService<LinkTier>().Link;
        Assert.True(link is WebSocketClusterLink, string.Join("\n", provider.GetFakeLogCollector().GetSnapshot().Select(r => $"{r.Id.Id} {r.Message} {r.Exception}")));
        Assert.DoesNotContain(provider.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 1031);
    }
}
