namespace Resilience;

/// <summary>The validator used when the host registers none: the pipeline already checked that the payload is a JSON object.</summary>
internal sealed class JsonOnlyConfigValidator : IConfigValidator
{
    public ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ConfigValidationResult.Valid());
}
