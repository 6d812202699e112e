using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Resilience.ControlPlane;

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
    public void Without_YARPs_services_the_validator_cannot_be_created_and_says_why()
    {
        using var provider = new ServiceCollection().AddLogging().BuildServiceProvider();
        var missing = Assert.Throws<InvalidOperationException>(() => ReverseProxyConfigValidation.Create(provider));
        Assert.Contains("AddReverseProxy()", missing.Message, StringComparison.Ordinal);
    }
}
