namespace Resilience;

/// <summary>
/// The host's check of a configuration, run once per configuration before it can be served.
/// It may also parse the payload into the host's model, which the snapshot then carries.
/// </summary>
public interface IConfigValidator
{
    /// <summary>Validates (and optionally parses) a configuration.</summary>
    /// <param name="payload">The configuration as UTF-8 JSON; already known to be well-formed JSON.</param>
    /// <param name="cancellationToken">Cancels the validation.</param>
    /// <returns>Valid, with an optional model, or every error found.</returns>
    ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}
