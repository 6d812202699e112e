using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Resilience.ControlPlane;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The fleet page of the control plane: every node and the running rollout, refreshed live, behind an authorization policy.</summary>
public static class FleetPageEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the fleet page at <paramref name="pattern"/>: <c>GET {pattern}</c> (server-rendered HTML that refreshes its
    /// content every two seconds with a small script), <c>GET {pattern}/fragment</c> (that content),
    /// <c>GET {pattern}/data</c> (<see cref="FleetView"/> as JSON) and <c>POST {pattern}/rollout/{action}</c> (pause,
    /// resume, promote, abort, rollback; with the <see cref="FleetPageDefaults.ActionHeader"/> header and an optional
    /// <c>reason</c> query parameter). Everything requires <paramref name="policyName"/>, which must be registered.
    /// </summary>
    /// <param name="endpoints">The endpoints (a host with <c>AddDataPlaneHub</c>).</param>
    /// <param name="pattern">The route; default <see cref="FleetPageDefaults.Pattern"/>.</param>
    /// <param name="policyName">The authorization policy required; default <see cref="FleetPageDefaults.PolicyName"/>.</param>
    /// <returns>The group, for more conventions (a port or host filter, rate limiting, ...).</returns>
    /// <exception cref="InvalidOperationException">No authorization policy of that name is registered.</exception>
    public static RouteGroupBuilder MapDataPlaneFleetPage(this IEndpointRouteBuilder endpoints, string pattern = FleetPageDefaults.Pattern, string policyName = FleetPageDefaults.PolicyName)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        RequirePolicy(endpoints.ServiceProvider, policyName);

        var group = endpoints.MapGroup(pattern).RequireAuthorization(policyName);
        group.MapGet("/", async (HttpContext context, CancellationToken cancellationToken) =>
        {
            var view = await ViewAsync(context.RequestServices, cancellationToken).ConfigureAwait(false);
            var basePath = (context.Request.PathBase + context.Request.Path).Value!.TrimEnd('/');
            return Results.Content(FleetPageRenderer.Page(view, basePath), "text/html; charset=utf-8");
        });
        group.MapGet("/fragment", async (HttpContext context, CancellationToken cancellationToken) =>
            Results.Content(FleetPageRenderer.Fragment(await ViewAsync(context.RequestServices, cancellationToken).ConfigureAwait(false)), "text/html; charset=utf-8"));
        group.MapGet("/data", async (HttpContext context, CancellationToken cancellationToken) =>
            Results.Json(await ViewAsync(context.RequestServices, cancellationToken).ConfigureAwait(false)));
        group.MapPost("/rollout/{action}", ActAsync);
        return group;
    }

    private static async Task<IResult> ActAsync(string action, HttpContext context, IConfigRollouts rollouts, CancellationToken cancellationToken)
    {
        if (!context.Request.Headers.ContainsKey(FleetPageDefaults.ActionHeader))
        {
            return Results.Problem($"a rollout action needs the {FleetPageDefaults.ActionHeader} header", statusCode: StatusCodes.Status400BadRequest);
        }

        var actor = context.User.Identity?.Name is { Length: > 0 } name ? name : "an authorized operator";
        var reason = context.Request.Query["reason"].ToString() is { Length: > 0 } given ? given : null;
        try
        {
            var status = action switch
            {
                "pause" => await rollouts.PauseAsync(reason, actor, cancellationToken).ConfigureAwait(false),
                "resume" => await rollouts.ResumeAsync(actor, cancellationToken).ConfigureAwait(false),
                "promote" => await rollouts.PromoteAsync(actor, cancellationToken).ConfigureAwait(false),
                "abort" => await rollouts.AbortAsync(reason, actor, cancellationToken).ConfigureAwait(false),
                "rollback" => await rollouts.RollBackAsync(reason, actor, cancellationToken).ConfigureAwait(false),
                _ => null,
            };
            return status is null ? Results.NotFound($"no rollout action '{action}'") : Results.Json(status);
        }
        catch (RolloutOperationException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (ControlPlaneBackplaneException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<FleetView> ViewAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var publisher = services.GetRequiredService<IConfigPublisher>();
        var rollouts = services.GetRequiredService<IConfigRollouts>();
        RolloutStatus? rollout;
        try
        {
            rollout = await rollouts.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ControlPlaneBackplaneException)
        {
            rollout = null;
        }

        return new FleetView
        {
            At = services.GetRequiredService<TimeProvider>().GetUtcNow(),
            LatestHash = publisher.Latest?.Hash,
            LatestVersion = publisher.Latest?.Version,
            StableHash = publisher.Stable?.Hash,
            StableVersion = publisher.Stable?.Version,
            Nodes = services.GetRequiredService<IDataPlaneRegistry>().GetAll(),
            Rollout = rollout,
        };
    }

    private static void RequirePolicy(IServiceProvider services, string policyName)
    {
        var provider = services.GetService<IAuthorizationPolicyProvider>()
            ?? throw new InvalidOperationException($"MapDataPlaneFleetPage requires authorization: call services.AddAuthorization(o => o.AddPolicy(\"{policyName}\", ...)).");

        // The default provider answers at once; a custom asynchronous one is checked by the authorization middleware instead.
        var lookup = provider.GetPolicyAsync(policyName);
        if (lookup.IsCompletedSuccessfully && lookup.Result is null)
        {
            throw new InvalidOperationException(
                $"MapDataPlaneFleetPage requires the authorization policy '{policyName}', which is not registered: add it with services.AddAuthorization(o => o.AddPolicy(\"{policyName}\", p => ...)) so that only operators see the fleet and steer rollouts.");
        }
    }
}
