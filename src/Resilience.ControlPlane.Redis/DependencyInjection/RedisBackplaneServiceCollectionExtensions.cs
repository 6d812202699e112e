using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resilience.ControlPlane;
using Resilience.ControlPlane.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs control-plane replicas over Redis.</summary>
public static class RedisBackplaneServiceCollectionExtensions
{
    /// <summary>
    /// Makes this control plane one replica of several that meet in Redis: a publish on any replica reaches the data
    /// planes of every replica, a replica that starts serves the latest configuration stored in Redis, and
    /// <see cref="IDataPlaneRegistry"/> answers for the fleet. While Redis cannot be reached a publish fails with
    /// <see cref="ControlPlaneBackplaneException"/> and every replica keeps serving what it serves. Adds the hub
    /// (<c>AddDataPlaneHub</c>) when it is not there yet. Harmless when called twice.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the Redis configuration string and key prefix.</param>
    /// <param name="replica">Sets the replica id and timings, or <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHubRedisBackplane(this IServiceCollection services, Action<RedisBackplaneOptions> configure, Action<ControlPlaneBackplaneOptions>? replica = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RedisBackplaneOptions>().Configure(configure);
        return services.AddRedisBackplaneCore(replica);
    }

    /// <summary>
    /// As <see cref="AddDataPlaneHubRedisBackplane(IServiceCollection, Action{RedisBackplaneOptions}, Action{ControlPlaneBackplaneOptions}?)"/>,
    /// binding both <see cref="RedisBackplaneOptions"/> and <see cref="ControlPlaneBackplaneOptions"/> from one section
    /// (for example <c>DataPlaneHub:Backplane</c> with <c>Configuration</c>, <c>KeyPrefix</c>, <c>ReplicaId</c>, ...).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHubRedisBackplane(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<RedisBackplaneOptions>().Bind(section);
        services.AddOptions<ControlPlaneBackplaneOptions>().Bind(section);
        return services.AddRedisBackplaneCore(replica: null);
    }

    private static IServiceCollection AddRedisBackplaneCore(this IServiceCollection services, Action<ControlPlaneBackplaneOptions>? replica)
    {
        services.AddOptions<RedisBackplaneOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisBackplaneOptions>, RedisBackplaneOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisBackplaneOptions>, RedisBackplaneConfigurationValidator>());
        return services.AddDataPlaneHubBackplane<RedisControlPlaneBackplane>(replica);
    }
}
