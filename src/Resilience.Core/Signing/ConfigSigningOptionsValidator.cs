using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Checks at start-up that a configured public key can be read and is a P-256 key.</summary>
internal sealed class ConfigSigningOptionsValidator : IValidateOptions<ConfigSigningOptions>
{
    public ValidateOptionsResult Validate(string? name, ConfigSigningOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.PublicKeyPem) && !string.IsNullOrWhiteSpace(options.PublicKeyPath) && !File.Exists(options.PublicKeyPath))
        {
            return ValidateOptionsResult.Fail($"{nameof(options.PublicKeyPath)}: '{options.PublicKeyPath}' does not exist");
        }

        if (SigningKeys.PublicKeyPem(options) is not { } pem)
        {
            return ValidateOptionsResult.Skip;
        }

        return EcdsaPem.Problem(pem) is { } problem
            ? ValidateOptionsResult.Fail($"the signing public key cannot be used: {problem}")
            : ValidateOptionsResult.Success;
    }
}
