using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Yarp.Tests;

/// <summary>
/// The named policies a gateway's routes may refer to, registered alike in YARP's container and ours, so that YARP's
/// policy validators have something to find (and something to miss).
/// </summary>
internal static class TestPolicies
{
    public static readonly string[] Authorization = ["gateway-users"];
    public static readonly string[] Cors = ["open"];
    public static readonly string[] RateLimiter = ["steady"];
    public static readonly string[] Timeout = ["slow"];
    public static readonly string[] OutputCache = ["cached"];

    public static IServiceCollection AddTestPolicies(this IServiceCollection services)
    {
        services.AddAuthorization(o => o.AddPolicy(Authorization[0], p => p.RequireAuthenticatedUser()));
        services.AddCors(o => o.AddPolicy(Cors[0], p => p.AllowAnyOrigin()));
        services.AddRateLimiter(o => o.AddFixedWindowLimiter(RateLimiter[0], w => { w.PermitLimit = 10; w.Window = TimeSpan.FromSeconds(1); }));
        services.AddRequestTimeouts(o => o.AddPolicy(Timeout[0], TimeSpan.FromSeconds(30)));
        services.AddOutputCache(o => o.AddPolicy(OutputCache[0], (Action<OutputCachePolicyBuilder>)(p => p.Expire(TimeSpan.FromSeconds(5)))));
        return services;
    }
}
