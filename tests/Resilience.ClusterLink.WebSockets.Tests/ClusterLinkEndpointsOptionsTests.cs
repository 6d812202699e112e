using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary><c>Endpoints</c> beside <c>Endpoint</c>: binding, and what start-up validation refuses.</summary>
public sealed class ClusterLinkEndpointsOptionsTests
{
    [Fact]
    public void Endpoints_bind_from_configuration_in_their_order()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resilience:ClusterLink:Endpoints:0"] = "wss://cp-1.example.com:8005/v1/outlet",
            ["Resilience:ClusterLink:Endpoints:1"] = "wss://cp-2.example.com:8005/v1/outlet",
            ["Resilience:ClusterLink:ClientCertificatePath"] = "/etc/dp/cluster.crt",
        }).Build().GetSection("Resilience");
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(section).UseWebSocketClusterLink();
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ClusterLinkOptions>>().Value;

        Assert.Equal([new Uri("wss://cp-1.example.com:8005/v1/outlet"), new Uri("wss://cp-2.example.com:8005/v1/outlet")], options.ResolveEndpoints());
        Assert.Null(options.Endpoint);
    }

    [Fact]
    public void No_endpoint_at_all_is_refused()
    {
        var result = Validate(new ClusterLinkOptions { ClientCertificatePath = "dp.crt" });

        Assert.True(result.Failed);
        Assert.Contains("Endpoint", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_and_Endpoints_together_are_refused()
    {
        var options = new ClusterLinkOptions { Endpoint = new Uri("wss://cp-1.test/v1/outlet"), ClientCertificatePath = "dp.crt" };
        options.Endpoints.Add(new Uri("wss://cp-2.test/v1/outlet"));

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains("not be set together with Endpoints", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ws://cp-2.test/v1/outlet", "must use wss://")]
    [InlineData("https://cp-2.test/v1/outlet", "absolute wss://")]
    [InlineData("/v1/outlet", "absolute wss://")]
    [InlineData("wss://cp-1.test/v1/outlet", "a second time")]
    public void Every_listed_endpoint_must_be_a_distinct_absolute_wss_uri_and_the_error_names_its_index(string second, string expected)
    {
        var options = new ClusterLinkOptions { ClientCertificatePath = "dp.crt" };
        options.Endpoints.Add(new Uri("wss://cp-1.test/v1/outlet"));
        options.Endpoints.Add(new Uri(second, UriKind.RelativeOrAbsolute));

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains("Endpoints[1]", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Endpoints[0]", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_list_passes()
    {
        var options = new ClusterLinkOptions { ClientCertificatePath = "dp.crt" };
        options.Endpoints.Add(new Uri("wss://cp-1.test/v1/outlet"));
        options.Endpoints.Add(new Uri("wss://cp-2.test:8443/v1/outlet"));

        Assert.True(Validate(options).Succeeded);
        Assert.True(new ClusterLinkOptionsValidator().Validate(null, options).Succeeded);
    }

    private static ValidateOptionsResult Validate(ClusterLinkOptions options) => new ClusterLinkCrossFieldValidator().Validate(null, options);
}
