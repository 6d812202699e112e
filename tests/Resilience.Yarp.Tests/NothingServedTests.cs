using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Resilience.Yarp.Tests;

/// <summary>A node with nothing to serve answers 503 with Retry-After (not 404); once it serves, unmatched paths are 404 again.</summary>
public sealed class NothingServedTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Nothing_served_answers_503_with_Retry_After_and_a_served_config_routes_and_404s_as_before()
    {
        await using var upstream = await Upstream.StartAsync("upstream-a");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"));
        await Eventually.HoldsAsync(() => Task.FromResult(gateway.DataPlane.State.StartupCompleted), "start-up to finish");
        Assert.Null(gateway.DataPlane.Current);

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post, HttpMethod.Delete })
        {
            using var response = await gateway.Client.SendAsync(new HttpRequestMessage(method, gateway.Url + "/orders/42"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(503, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetInt32());
        }

        // The node's own endpoints keep answering.
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync(gateway.Url + "/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Operator.GetAsync(gateway.Url + "/resilience/state")).StatusCode);

        // A configuration with one route: it routes, and a path it does not match is a missing route again (404).
        var config = ProxyConfigs.CatchAll(upstream.Url).Replace("{**rest}", "/orders/{**rest}", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(config)).StatusCode);
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/orders/42") == "upstream-a", "routing /orders");
        using var unmatched = await gateway.Client.GetAsync(gateway.Url + "/other");
        Assert.Equal(HttpStatusCode.NotFound, unmatched.StatusCode);
        Assert.Null(unmatched.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_host_that_maps_YARPs_own_proxy_adds_the_503_with_its_own_Retry_After()
    {
        await using var gateway = await Gateway.StartAsync(_dir.File("data"), configureApp: app => app.MapDataPlaneUnavailable(TimeSpan.FromSeconds(2.5)), mapProxy: false);
        await Eventually.HoldsAsync(() => Task.FromResult(gateway.DataPlane.State.StartupCompleted), "start-up to finish");

        using var response = await gateway.Client.GetAsync(gateway.Url + "/anything");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
    }

    public void Dispose() => _dir.Dispose();
}
