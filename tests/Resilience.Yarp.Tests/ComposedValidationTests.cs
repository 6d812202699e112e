using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp.Tests;

/// <summary>
/// A gateway's own rules run beside YARP's (real YARP on real Kestrel): registered before or after
/// <c>LoadFromDataPlane()</c>, both run and both must pass; YARP's config filters run before validation; and a node whose
/// served configuration YARP routes none of is never ready.
/// </summary>
public sealed class ComposedValidationTests : IDisposable
{
    private const string MetadataAddress = "169.254.169.254";

    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_gateways_own_rule_runs_beside_YARPs_whether_registered_before_or_after_LoadFromDataPlane(bool after)
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        await using var gateway = await Gateway.StartAsync(
            _dir.File("data"),
            resilience: after ? null : chain => chain.UseValidator(NoMetadataAddress),
            configureServices: after ? services => services.AddDataPlaneResilience(_ => { }).UseValidator(NoMetadataAddress) : null);

        // Served and routed: both validators passed it, and YARP's provides the routes.
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(a.Url))).StatusCode);
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/x") == "upstream-a", "routing to A");
        await Eventually.HoldsAsync(async () => (await gateway.Client.GetAsync(gateway.Url + "/healthz/ready")).StatusCode == HttpStatusCode.OK, "ready");
        var served = gateway.DataPlane.Current!.Hash;

        // Both refuse one document, and both errors are reported.
        var both = await gateway.ApplyAsync(ProxyConfigs.CatchAll($"http://{MetadataAddress}/").Replace("{**rest}", "/{oops", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, both.StatusCode);
        var errors = JsonSerializer.Deserialize<string[]>(await both.Content.ReadAsStringAsync())!;
        Assert.Contains("no destination may be the cloud metadata address", errors);
        Assert.Contains(errors, e => e.StartsWith("route 'all':", StringComparison.Ordinal));

        // YARP's own validation was not lost to the gateway's rule, nor the rule to YARP's.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(a.Url).Replace("{**rest}", "/{oops", StringComparison.Ordinal))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await gateway.ApplyAsync(ProxyConfigs.CatchAll($"http://{MetadataAddress}/"))).StatusCode);
        Assert.Equal(served, gateway.DataPlane.Current!.Hash);
        Assert.Equal("upstream-a", await gateway.GetAsync("/still"));
    }

    [Fact]
    public async Task Readiness_is_unhealthy_and_says_why_while_YARP_routes_none_of_the_served_configuration()
    {
        await using var a = await Upstream.StartAsync("upstream-a");

        // A validator registered before LoadFromDataPlane() that returns a model of its own: the first model wins.
        await using var gateway = await Gateway.StartAsync(
            _dir.File("data"),
            resilience: chain => chain.UseValidator((payload, _) => ValueTask.FromResult(ConfigValidationResult.Valid(new object()))));

        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(a.Url))).StatusCode);
        var served = gateway.DataPlane.Current!.Hash;
        await Eventually.HoldsAsync(() => Task.FromResult(gateway.Services.GetRequiredService<AppliedProxyRevision>().Current == served), "YARP taking the served snapshot");

        Assert.Equal("404", await gateway.GetAsync("/x"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await gateway.Client.GetAsync(gateway.Url + "/healthz/ready")).StatusCode);
        var report = await gateway.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var routing = report.Entries["data-plane-routing"];
        Assert.Equal(HealthStatus.Unhealthy, routing.Status);
        Assert.Contains("carries no YARP routes", routing.Description, StringComparison.Ordinal);
        Assert.Equal(0, routing.Data["routes"]);
    }

    [Fact]
    public async Task A_config_filter_runs_before_validation_as_in_YARPs_reload_and_YARP_routes_with_what_it_returns()
    {
        await using var a = await Upstream.StartAsync("upstream-a");
        var document = """
            {
              "Routes": { "all": { "ClusterId": "c", "Match": { "Path": "{**rest}" } } },
              "Clusters": { "c": { "Destinations": { "upstream-a": { } } } }
            }
            """;

        // Without the filter the destination has no address: YARP's validator refuses it.
        await using (var plain = await Gateway.StartAsync(_dir.File("plain")))
        {
            var refused = await plain.ApplyAsync(document);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains("No address found for destination 'upstream-a'", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using var gateway = await Gateway.StartAsync(
            _dir.File("data"),
            configureServices: services => services.AddSingleton(new AddressBook(new Dictionary<string, string> { ["upstream-a"] = a.Url })),
            proxy: proxy => proxy.AddConfigFilter<AddressFromBookFilter>());

        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(document)).StatusCode);
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/filtered") == "upstream-a", "YARP routing to the address the filter filled in");

        // The snapshot keeps the document as written: YARP's reload runs the filter itself.
        var model = gateway.DataPlane.Current!.GetModel<ReverseProxyConfig>();
        Assert.Null(model.Clusters.Single().Destinations!["upstream-a"].Address);
    }

    public void Dispose() => _dir.Dispose();

    private static ValueTask<ConfigValidationResult> NoMetadataAddress(ReadOnlyMemory<byte> json, CancellationToken cancellationToken) =>
        ValueTask.FromResult(json.Span.IndexOf(System.Text.Encoding.UTF8.GetBytes(MetadataAddress)) >= 0
            ? ConfigValidationResult.Invalid("no destination may be the cloud metadata address")
            : ConfigValidationResult.Valid());

    /// <summary>Where destinations are, by name (what a gateway might read from its environment).</summary>
    private sealed record AddressBook(IReadOnlyDictionary<string, string> Addresses);

    /// <summary>Fills a destination's missing address from the address book, as YARP's config-filter sample fills them from the environment.</summary>
    private sealed class AddressFromBookFilter(AddressBook book) : IProxyConfigFilter
    {
        public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
        {
            var destinations = cluster.Destinations!.ToDictionary(
                d => d.Key,
                d => string.IsNullOrEmpty(d.Value.Address) && book.Addresses.TryGetValue(d.Key, out var address) ? d.Value with { Address = address } : d.Value,
                StringComparer.OrdinalIgnoreCase);
            return ValueTask.FromResult(cluster with { Destinations = destinations });
        }

        public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) => ValueTask.FromResult(route);
    }
}
