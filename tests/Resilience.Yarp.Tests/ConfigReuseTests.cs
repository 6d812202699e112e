using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Configuration.RouteValidators;

namespace Resilience.Yarp.Tests;

/// <summary>
/// An edit of one route of many: the unchanged routes keep the served instances, only the edited one goes through
/// YARP's validators (ours and YARP's own reload), YARP rebuilds only that one, and an invalid edit is still refused.
/// </summary>
public sealed class ConfigReuseTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Unchanged_routes_keep_their_instances_and_only_the_edited_one_is_validated()
    {
        var counter = new CountingRouteValidator();
        await using var services = new ServiceCollection().AddLogging().AddRouting().AddSingleton<IRouteValidator>(counter).AddReverseProxy().LoadFromDataPlane().Services.BuildServiceProvider();
        var validator = services.GetRequiredService<IDataPlaneConfigValidator>();
        var reuse = services.GetRequiredService<ProxyConfigReuse>();
        var first = Encoding.UTF8.GetBytes(ProxyConfigs.Many(300, "http://127.0.0.1:1/"));
        var served = Valid(await validator.ValidateAsync(first, default));
        Assert.Equal(300, counter.Calls);

        // What the provider does when YARP takes the served snapshot.
        reuse.Baseline = new ProxyConfigBaseline(first, served);
        counter.Calls = 0;
        var edited = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(first).Replace("\"Path\":\"/r7/{**rest}\"", "\"Path\":\"/seven/{**rest}\"", StringComparison.Ordinal));
        var next = Valid(await validator.ValidateAsync(edited, default));

        Assert.Equal(1, counter.Calls);
        Assert.Equal(299, next.Sources!.ReusedRoutes);
        Assert.Equal(100, next.Sources.ReusedClusters);
        for (var i = 0; i < 300; i++)
        {
            Assert.True(ReferenceEquals(served.Routes[i], next.Routes[i]) == (i != 7), $"route {i}");
        }

        Assert.Equal("/seven/{**rest}", next.Routes[7].Match.Path);
        Assert.Equal(served.Routes[7] with { Match = served.Routes[7].Match with { Path = "/seven/{**rest}" } }, next.Routes[7]);

        // Reuse never lets an edit YARP would refuse through.
        var broken = Encoding.UTF8.GetString(first).Replace("\"Path\":\"/r9/{**rest}\"", "\"Path\":\"/r9/{oops\"", StringComparison.Ordinal);
        var refused = await validator.ValidateAsync(Encoding.UTF8.GetBytes(broken), default);
        Assert.False(refused.IsValid);
        Assert.Contains(refused.Errors, e => e.StartsWith("route 'r9':", StringComparison.Ordinal));
    }

    [Fact]
    public async Task YARP_rebuilds_only_the_edited_route_and_does_not_validate_the_others_again()
    {
        var counter = new CountingRouteValidator();
        await using var upstream = await Upstream.StartAsync("upstream");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"), configureServices: s => s.AddSingleton<IRouteValidator>(counter));
        var applied = gateway.Services.GetRequiredService<AppliedProxyRevision>();
        var lookup = gateway.Services.GetRequiredService<IProxyStateLookup>();
        var first = ProxyConfigs.Many(500, upstream.Url);
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(first)).StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(applied.IsRouting(gateway.DataPlane)), "YARP routing with the first config");
        Assert.Equal("upstream", await gateway.GetAsync("/r7/x"));
        var before = lookup.GetRoutes().ToDictionary(r => r.Config.RouteId);

        counter.Calls = 0;
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(first.Replace("\"Path\":\"/r7/{**rest}\"", "\"Path\":\"/seven/{**rest}\"", StringComparison.Ordinal))).StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(applied.IsRouting(gateway.DataPlane)), "YARP routing with the edit");

        Assert.Equal("upstream", await gateway.GetAsync("/seven/x"));
        Assert.Equal("404", await gateway.GetAsync("/r7/x"));

        // Once in our pipeline for the edited route; YARP's reload validated nothing again.
        Assert.Equal(1, counter.Calls);
        var after = lookup.GetRoutes().ToDictionary(r => r.Config.RouteId);
        Assert.Equal(500, after.Count);
        Assert.All(after.Where(r => r.Key != "r7"), r => Assert.Same(before[r.Key], r.Value));
        Assert.NotSame(before["r7"], after["r7"]);
    }

    [Fact]
    public async Task YARPs_reload_validates_an_instance_our_pipeline_has_not_passed()
    {
        var counter = new CountingRouteValidator();
        await using var services = new ServiceCollection().AddLogging().AddRouting().AddSingleton<IRouteValidator>(counter).AddReverseProxy().LoadFromDataPlane().Services.BuildServiceProvider();
        var yarpValidator = services.GetRequiredService<global::Yarp.ReverseProxy.Configuration.IConfigValidator>();
        Assert.IsType<ValidatedOnceConfigValidator>(yarpValidator);

        // An instance a YARP config filter made, say: never seen by our validator, so YARP's validators run.
        var route = new RouteConfig { RouteId = "r", ClusterId = "c", Match = new RouteMatch { Path = "/{oops" } };
        Assert.NotEmpty(await yarpValidator.ValidateRouteAsync(route));
        Assert.Equal(1, counter.Calls);
    }

    public void Dispose() => _dir.Dispose();

    private static ReverseProxyConfig Valid(ConfigValidationResult result)
    {
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return Assert.IsType<ReverseProxyConfig>(result.Model);
    }
}
