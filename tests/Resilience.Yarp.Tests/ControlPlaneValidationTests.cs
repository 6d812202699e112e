using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Resilience.ControlPlane;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Configuration.RouteValidators;

namespace Resilience.Yarp.Tests;

/// <summary>A control plane that checks a configuration with the nodes' own validator before it publishes it.</summary>
public sealed class ControlPlaneValidationTests
{
    [Fact]
    public async Task A_YAML_configuration_routing_to_an_unknown_cluster_is_refused_at_the_publish_with_the_nodes_errors()
    {
        using var key = ECDsa.Create();
        using var pinned = new CertificateRequest("CN=gateway", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var services = new ServiceCollection()
            .AddLogging()
            .AddDataPlaneHub(o => o.PinnedCertificates.Add(pinned))
            .AddDataPlaneHubValidator(ReverseProxyConfigValidation.Create);
        services.AddReverseProxy();
        await using var provider = services.BuildServiceProvider();
        var publisher = provider.GetRequiredService<IConfigPublisher>();

        var refused = await Assert.ThrowsAsync<ConfigValidationException>(async () => await publisher.PublishYamlAsync(Encoding.UTF8.GetBytes("""
            Routes:
              all:
                ClusterId: nowhere
                Match:
                  Path: "{**rest}"
            Clusters:
              upstream:
                Destinations:
                  one:
                    Address: http://127.0.0.1:9/
            """)));

        Assert.Equal(RejectionReason.ValidatorRejected, refused.Reason);
        Assert.StartsWith("route 'all': unknown cluster 'nowhere'", Assert.Single(refused.Errors), StringComparison.Ordinal);
        Assert.Null(publisher.Latest);

        // A route YARP's own validators refuse is refused too, with YARP's message.
        var invalid = await Assert.ThrowsAsync<ConfigValidationException>(async () => await publisher.PublishAsync(Encoding.UTF8.GetBytes(
            """{"Routes":{"bad":{"ClusterId":"upstream","Match":{}}},"Clusters":{"upstream":{"Destinations":{"one":{"Address":"http://127.0.0.1:9/"}}}}}""")));
        Assert.Contains(invalid.Errors, e => e.StartsWith("route 'bad': ", StringComparison.Ordinal));

        var good = await publisher.PublishAsync(Encoding.UTF8.GetBytes(
            """{"Routes":{"all":{"ClusterId":"upstream","Match":{"Path":"{**rest}"}}},"Clusters":{"upstream":{"Destinations":{"one":{"Address":"http://127.0.0.1:9/"}}}}}"""));
        Assert.Same(good, publisher.Latest);
    }

    [Fact]
    public async Task A_one_route_edit_is_checked_against_the_last_valid_configuration_and_only_the_edited_route_is_validated()
    {
        var counter = new CountingRouteValidator();
        var services = new ServiceCollection().AddLogging().AddSingleton<IRouteValidator>(counter);
        services.AddReverseProxy();
        await using var provider = services.BuildServiceProvider();
        var validator = ReverseProxyConfigValidation.Create(provider);

        // The caller's buffer is its own: overwritten after the check, it is not what the next check compares with.
        var buffer = Encoding.UTF8.GetBytes(ProxyConfigs.Many(300, "http://127.0.0.1:9/"));
        var first = (byte[])buffer.Clone();
        Assert.True((await validator.ValidateAsync(buffer, default)).IsValid);
        Assert.Equal(300, counter.Calls);
        Array.Fill(buffer, (byte)' ');

        counter.Calls = 0;
        var edited = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(first).Replace("\"Path\":\"/r7/{**rest}\"", "\"Path\":\"/seven/{**rest}\"", StringComparison.Ordinal));
        var next = await validator.ValidateAsync(edited, default);
        Assert.True(next.IsValid, string.Join("; ", next.Errors));
        Assert.Equal(1, counter.Calls);
        Assert.Equal(299, Assert.IsType<ReverseProxyConfig>(next.Model).Sources!.ReusedRoutes);

        // Unchanged routes are still checked against the document's clusters: one removed is refused for each route naming it.
        var withoutCluster = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(edited).Replace("\"c5\":{", "\"gone\":{", StringComparison.Ordinal));
        var refused = await validator.ValidateAsync(withoutCluster, default);
        Assert.Equal(3, refused.Errors.Count(e => e.Contains("unknown cluster 'c5'", StringComparison.Ordinal)));
        Assert.Equal(1, counter.Calls);

        // A refused document is not the baseline: the next edit is still compared with the last valid one.
        counter.Calls = 0;
        var again = await validator.ValidateAsync(edited, default);
        Assert.True(again.IsValid);
        Assert.Equal(300, Assert.IsType<ReverseProxyConfig>(again.Model).Sources!.ReusedRoutes);
        Assert.Equal(100, ((ReverseProxyConfig)again.Model!).Sources!.ReusedClusters);
        Assert.Equal(0, counter.Calls);
    }

    [Fact]
    public void Without_YARPs_services_the_validator_cannot_be_created_and_says_why()
    {
        using var provider = new ServiceCollection().AddLogging().BuildServiceProvider();
        var missing = Assert.Throws<InvalidOperationException>(() => ReverseProxyConfigValidation.Create(provider));
        Assert.Contains("AddReverseProxy()", missing.Message, StringComparison.Ordinal);
    }
}
