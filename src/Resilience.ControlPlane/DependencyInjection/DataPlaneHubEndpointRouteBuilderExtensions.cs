using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Resilience.ControlPlane;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the endpoint data planes connect to.</summary>
public static class DataPlaneHubEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the data-plane hub at <paramref name="pattern"/> (for example <c>/v1/outlet</c>). The endpoint accepts
    /// only WebSocket connections of the link protocol from data planes whose client certificate passes the hub's
    /// rules. The endpoint carries its own WebSocket middleware.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern.</param>
    /// <returns>A builder to add conventions (for example host filtering) to the endpoint.</returns>
    public static IEndpointConventionBuilder MapDataPlaneHub(this IEndpointRouteBuilder endpoints, string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var hub = endpoints.ServiceProvider.GetRequiredService<DataPlaneHub>();

        // The endpoint brings its own WebSocket middleware (as SignalR's MapHub does), so the host need not add it.
        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        pipeline.Run(hub.HandleAsync);
        return endpoints.Map(pattern, pipeline.Build()).WithDisplayName("Resilience data-plane hub");
    }
}
