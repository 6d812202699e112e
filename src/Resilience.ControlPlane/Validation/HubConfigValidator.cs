namespace Resilience.ControlPlane;

/// <summary>
/// One validator the control plane runs before a publish, registered by <c>AddDataPlaneHubValidator</c>. A wrapper rather
/// than <see cref="IDataPlaneConfigValidator"/> itself, so that a host that is also a data plane keeps the two sets apart.
/// </summary>
internal class HubConfigValidator(IDataPlaneConfigValidator validator)
{
    public IDataPlaneConfigValidator Validator { get; } = validator;
}

/// <summary>A validator registered by type: one registration per type, however often it is added.</summary>
/// <typeparam name="TValidator">The validator's type.</typeparam>
internal sealed class HubConfigValidator<TValidator>(TValidator validator) : HubConfigValidator(validator)
    where TValidator : class, IDataPlaneConfigValidator;
