namespace Resilience;

/// <summary>A validator with no rule of its own: the pipeline already checked that the payload is a JSON object.</summary>
internal sealed class JsonOnlyConfigValidator : IDataPlaneConfigValidator
{
    public ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ConfigValidationResult.Valid());
}
