using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resilience;
using Resilience.Yarp;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The opt-in operator endpoints: the node's state, a manual apply, the history and a rollback, behind an authorization policy.</summary>
public static class DataPlaneAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET {pattern}/state</c> (<see cref="DataPlaneAdminState"/>), <c>POST {pattern}/apply</c> (a JSON or
    /// YAML configuration, optionally gzip: a JSON or YAML content type decides, otherwise a body that starts with
    /// <c>{</c> or <c>[</c> is JSON and anything else YAML) that goes through the data plane's pipeline
    /// and is served until the control plane next pushes, <c>GET {pattern}/history</c> (the configurations this node
    /// served, newest first: <see cref="DataPlaneAdminHistoryEntry"/>) and <c>POST {pattern}/rollback/{hash}</c>
    /// (optionally <c>?reason=...</c>) that serves one of them again through the same pipeline, also while the control
    /// plane is down (200 with the result; 404 when the history does not hold it; 422 when the pipeline refuses it).
    /// All require <paramref name="policyName"/>: an anonymous
    /// caller must not be able to replace the routing of a proxy it can send traffic to. The policy must exist
    /// (<c>AddAuthorization(o =&gt; o.AddPolicy(DataPlaneAdminDefaults.PolicyName, ...))</c>) and an authentication
    /// scheme must be able to authenticate for it (<c>AddAuthentication().AddJwtBearer()</c>, a client-certificate
    /// scheme, ...), or mapping fails with a message that says what to add.
    /// </summary>
    /// <param name="endpoints">The endpoints.</param>
    /// <param name="pattern">The route prefix; default <c>/resilience</c>.</param>
    /// <param name="policyName">The authorization policy required; default <see cref="DataPlaneAdminDefaults.PolicyName"/>.</param>
    /// <returns>The group, for more conventions (a host filter, rate limiting, ...).</returns>
    /// <exception cref="InvalidOperationException">
    /// No authorization policy of that name is registered, or no authentication scheme can authenticate a caller for it
    /// (none registered, one the policy names is missing, or the policy names none and there is no default scheme).
    /// </exception>
    public static RouteGroupBuilder MapDataPlaneAdmin(this IEndpointRouteBuilder endpoints, string pattern = DataPlaneAdminDefaults.Pattern, string policyName = DataPlaneAdminDefaults.PolicyName)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentException.ThrowIfNullOrEmpty(policyName);
        var policy = RequirePolicy(endpoints.ServiceProvider, policyName);
        DataPlaneAdminAuthenticationCheck.Require(endpoints.ServiceProvider, policyName, policy);

        var group = endpoints.MapGroup(pattern).RequireAuthorization(policyName);
        group.MapGet("/state", (IDataPlane dataPlane, AppliedProxyRevision proxy) => Results.Json(DataPlaneAdminState.From(dataPlane, proxy)));
        group.MapPost("/apply", ApplyAsync);
        group.MapGet("/history", (IDataPlane dataPlane) => Results.Json(dataPlane.History.Select(DataPlaneAdminHistoryEntry.From).ToArray()));
        group.MapPost("/rollback/{hash}", RollbackAsync);
        return group;
    }

    private static async Task<IResult> ApplyAsync(HttpContext context, IDataPlane dataPlane, IOptions<DataPlaneResilienceOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxConfigBytes;
        if (context.Request.ContentLength > limit)
        {
            return Results.Problem($"the configuration exceeds {limit} bytes", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        using var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > limit)
            {
                return Results.Problem($"the configuration exceeds {limit} bytes", statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            body.Write(buffer, 0, read);
        }

        var (format, why) = ManualApplyFormat.Choose(context.Request.ContentType, body.GetBuffer(), (int)body.Length);
        var result = await dataPlane.ApplyManualAsync(body.GetBuffer().AsMemory(0, (int)body.Length), format, cancellationToken).ConfigureAwait(false);
        Log.ManualApply(loggers.CreateLogger(typeof(DataPlaneAdminEndpointRouteBuilderExtensions).FullName!), context.User.Identity?.Name ?? "an authorized caller", result.ToString());
        return result.IsServing ? Results.Ok(result.ToString()) : Results.UnprocessableEntity(ManualApplyFormat.Explain(result, format, why));
    }

    private static async Task<IResult> RollbackAsync(string hash, string? reason, HttpContext context, IDataPlane dataPlane, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var user = context.User.Identity?.Name ?? "an authorized caller";
        var result = await dataPlane.RollbackAsync(hash, reason, $"admin:{user}", cancellationToken).ConfigureAwait(false);
        Log.AdminRollback(loggers.CreateLogger(typeof(DataPlaneAdminEndpointRouteBuilderExtensions).FullName!), hash, user, result.ToString());
        var answer = new { outcome = result.Outcome.ToString(), hash = result.Hash, reason = result.Outcome == ApplyOutcome.Rejected ? result.Reason.ToString() : null, errors = result.Errors };
        return result.IsServing ? Results.Ok(answer)
            : result.Reason == RejectionReason.NotInHistory ? Results.NotFound(answer)
            : result.Outcome == ApplyOutcome.Superseded ? Results.Conflict(answer)
            : Results.UnprocessableEntity(answer);
    }

    private static AuthorizationPolicy? RequirePolicy(IServiceProvider services, string policyName)
    {
        var provider = services.GetService<IAuthorizationPolicyProvider>()
            ?? throw new InvalidOperationException($"MapDataPlaneAdmin requires authorization: call services.AddAuthorization(o => o.AddPolicy(\"{policyName}\", ...)).");

        // The default provider answers at once; a custom asynchronous one is checked by the authorization middleware instead.
        var lookup = provider.GetPolicyAsync(policyName);
        if (lookup.IsCompletedSuccessfully && lookup.Result is null)
        {
            throw new InvalidOperationException(
                $"MapDataPlaneAdmin requires the authorization policy '{policyName}', which is not registered: add it with services.AddAuthorization(o => o.AddPolicy(\"{policyName}\", p => ...)) so that only operators can apply a configuration.");
        }

        return lookup.IsCompletedSuccessfully ? lookup.Result : null;
    }
}
