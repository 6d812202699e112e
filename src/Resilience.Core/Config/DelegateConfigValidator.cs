namespace Resilience;

/// <summary>Adapts a delegate to <see cref="IDataPlaneConfigValidator"/>.</summary>
internal sealed class DelegateConfigValidator(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask<ConfigValidationResult>> validate) : IDataPlaneConfigValidator
{
    public ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => validate(payload, cancellationToken);
}
