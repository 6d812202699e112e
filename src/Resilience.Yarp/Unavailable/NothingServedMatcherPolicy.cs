using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace Resilience.Yarp;

/// <summary>
/// Keeps the 503 endpoint of <c>MapDataPlaneUnavailable</c> out of routing while a configuration is served, so a request
/// the served routes do not match goes on as if the endpoint did not exist. While one is served this is one volatile
/// read per request.
/// </summary>
internal sealed class NothingServedMatcherPolicy(IDataPlane dataPlane) : MatcherPolicy, IEndpointSelectorPolicy
{
    /// <summary>The metadata that marks the 503 endpoint.</summary>
    public static readonly object Marker = new NothingServedEndpoint();

    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Any(e => e.Metadata.GetMetadata<NothingServedEndpoint>() is not null);
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (dataPlane.Current is null)
        {
            return Task.CompletedTask;
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Endpoint.Metadata.GetMetadata<NothingServedEndpoint>() is not null)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }

    private sealed class NothingServedEndpoint;
}
