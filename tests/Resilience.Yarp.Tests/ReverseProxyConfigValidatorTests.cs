using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Yarp.Tests;

/// <summary>The data plane's validator with YARP's real route and cluster validators (from <c>AddReverseProxy()</c>).</summary>
public sealed class ReverseProxyConfigValidatorTests
{
    [Fact]
    public async Task Every_error_YARP_would_raise_is_collected_and_the_model_is_kept_when_valid()
    {
        await using var services = new ServiceCollection().AddLogging().AddRouting().AddReverseProxy().LoadFromDataPlane().Services.BuildServiceProvider();
        var validator = services.GetRequiredService<IDataPlaneConfigValidator>();
        Assert.IsType<ReverseProxyConfigValidator>(validator);

        var invalid = await validator.ValidateAsync(Encoding.UTF8.GetBytes("""
            {
              "Routes": {
                "bad-path": { "ClusterId": "c", "Match": { "Path": "/{unclosed" } },
                "no-match": { "ClusterId": "c" },
                "lost": { "ClusterId": "nope", "Match": { "Path": "/lost" } }
              },
              "Clusters": {
                "c": { "LoadBalancingPolicy": "NoSuchPolicy", "Destinations": { "d": { "Address": "http://127.0.0.1:1/" } } }
              }
            }
            """), default);

        Assert.False(invalid.IsValid);
        Assert.Contains(invalid.Errors, e => e.StartsWith("route 'bad-path':", StringComparison.Ordinal));
        Assert.Contains(invalid.Errors, e => e.StartsWith("route 'no-match':", StringComparison.Ordinal));
        Assert.Contains($"route 'lost': unknown cluster 'nope' [rule: {StricterRules.UnknownCluster}]", invalid.Errors);
        Assert.Contains(invalid.Errors, e => e.StartsWith("cluster 'c':", StringComparison.Ordinal) && e.Contains("NoSuchPolicy", StringComparison.Ordinal));

        var valid = await validator.ValidateAsync(Encoding.UTF8.GetBytes(ProxyConfigs.CatchAll("http://127.0.0.1:1/")), default);
        Assert.True(valid.IsValid, string.Join("; ", valid.Errors));
        Assert.Equal("all", Assert.IsType<ReverseProxyConfig>(valid.Model).Routes.Single().RouteId);
    }

    [Fact]
    public async Task A_document_with_an_error_in_every_route_lists_a_bounded_number_of_them()
    {
        await using var services = new ServiceCollection().AddLogging().AddRouting().AddReverseProxy().LoadFromDataPlane().Services.BuildServiceProvider();
        var validator = services.GetRequiredService<IDataPlaneConfigValidator>();

        var result = await validator.ValidateAsync(Encoding.UTF8.GetBytes(ProxyConfigs.Many(500, "http://127.0.0.1:1/").Replace("\"ClusterId\":\"c", "\"ClusterId\":\"x", StringComparison.Ordinal)), default);

        Assert.Equal(ReverseProxyConfigValidator.MaxErrors + 1, result.Errors.Count);
        Assert.Equal("... and 400 more errors", result.Errors[^1]);
    }
}
