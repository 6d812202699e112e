using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Resilience;
using Resilience.ControlPlane;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the checks the control plane runs on a configuration before it publishes it: the validators the nodes run
/// (for a YARP gateway, <c>Resilience.Yarp</c>'s parser and YARP's route and cluster validators), so a configuration the
/// nodes would refuse is refused at the publish, with the errors, instead of being sent and rejected by every node.
/// Every registered validator runs, in the order registered; all must pass and every error is reported
/// (<see cref="ConfigValidationException"/>).
/// </summary>
public static class DataPlaneHubValidatorServiceCollectionExtensions
{
    /// <summary>Adds a validator type, created by the container (once, however often it is added).</summary>
    /// <typeparam name="TValidator">The validator.</typeparam>
    /// <param name="services">The services (with <c>AddDataPlaneHub</c>).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHubValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(this IServiceCollection services)
        where TValidator : class, IDataPlaneConfigValidator
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddDataPlaneHub(configure: null);
        services.TryAddSingleton<TValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<HubConfigValidator, HubConfigValidator<TValidator>>());
        return services;
    }

    /// <summary>Adds a validator the container builds with a factory (for example <c>ReverseProxyConfigValidation.Create</c> of <c>Resilience.Yarp</c>).</summary>
    /// <param name="services">The services (with <c>AddDataPlaneHub</c>).</param>
    /// <param name="factory">Builds the validator from the container.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHubValidator(this IServiceCollection services, Func<IServiceProvider, IDataPlaneConfigValidator> factory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        services.AddDataPlaneHub(configure: null);
        services.AddSingleton(sp => new HubConfigValidator(factory(sp)));
        return services;
    }

    /// <summary>Adds a validator written as a delegate: valid (the model is ignored here) or every error.</summary>
    /// <param name="services">The services (with <c>AddDataPlaneHub</c>).</param>
    /// <param name="validate">The check.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHubValidator(this IServiceCollection services, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask<ConfigValidationResult>> validate)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(validate);
        services.AddDataPlaneHub(configure: null);
        services.AddSingleton(new HubConfigValidator(new DelegateHubValidator(validate)));
        return services;
    }

    private sealed class DelegateHubValidator(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask<ConfigValidationResult>> validate) : IDataPlaneConfigValidator
    {
        public ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => validate(payload, cancellationToken);
    }
}
