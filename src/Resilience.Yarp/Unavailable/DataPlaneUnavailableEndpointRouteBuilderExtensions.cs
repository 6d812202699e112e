using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Resilience.Yarp;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Answers 503 instead of 404 while the node has no configuration to route with.</summary>
public static class DataPlaneUnavailableEndpointRouteBuilderExtensions
{
    /// <summary>The <c>Retry-After</c> of the 503 when none is given: 10 seconds, the longest reconnect delay of the link.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Maps a last-resort endpoint that answers <c>503 Service Unavailable</c> with <c>Retry-After</c> to every request
    /// no other endpoint matches while the data plane serves nothing (a new node before its first configuration, or a
    /// node that stopped serving when its licence expired), so that clients and load balancers see a node that is not
    /// ready rather than a missing route (404). Once a configuration is served the endpoint never matches: a request
    /// that none of the served routes matches falls through as before. <c>MapReverseProxyWithUsageRecording</c> maps it;
    /// call it yourself next to YARP's own <c>MapReverseProxy</c>. Needs <c>AddReverseProxy().LoadFromDataPlane()</c>.
    /// </summary>
    /// <param name="endpoints">The endpoints.</param>
    /// <param name="retryAfter">The <c>Retry-After</c>, rounded up to whole seconds; default <see cref="DefaultRetryAfter"/>.</param>
    /// <returns>The endpoint's convention builder.</returns>
    public static IEndpointConventionBuilder MapDataPlaneUnavailable(this IEndpointRouteBuilder endpoints, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var seconds = (long)Math.Ceiling((retryAfter ?? DefaultRetryAfter).TotalSeconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 0, nameof(retryAfter));
        var header = seconds.ToString(CultureInfo.InvariantCulture);

        var builder = endpoints.Map(RoutePatternFactory.Parse("{**path}"), context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = header;
            context.Response.Headers.CacheControl = "no-store";
            return Results.Problem(
                title: "No configuration is served yet",
                detail: "This gateway node has no routing configuration (it waits for its control plane, cache, fallback store or declarative file). Retry later or on another node.",
                statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
        });

        // After every other endpoint (routes with a higher Order still lose to it only when they match), and only
        // while nothing is served (NothingServedMatcherPolicy).
        builder.Add(endpoint =>
        {
            ((RouteEndpointBuilder)endpoint).Order = int.MaxValue;
            endpoint.DisplayName = "Resilience: nothing served (503)";
            endpoint.Metadata.Add(NothingServedMatcherPolicy.Marker);
        });
        return builder;
    }
}
