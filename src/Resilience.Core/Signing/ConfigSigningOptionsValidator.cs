using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Checks at start-up that a configured public key can be read and is a P-256 key.</summary>
internal sealed class ConfigSigningOptionsValidator : IValidateOptions<ConfigSigningOptions>
{
    public ValidateOptionsResult Validate(string? name, ConfigSigningOptions options)
    {
        string? pem = options.PublicKeyPem;
        if (string.IsNullOrWhiteSpace(pem))
        {
            if (string.IsNullOrWhiteSpace(options.PublicKeyPath))
            {
                return ValidateOptionsResult.Skip;
            }

            if (!File.Exists(options.PublicKeyPath))
            {
                return ValidateOptionsResult.Fail($"{nameof(options.PublicKeyPath)}: '{options.PublicKeyPath}' does not exist");
            }

            pem = File.ReadAllText(options.PublicKeyPath);
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            return key.KeySize == 256
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"the signing public key is {key.KeySize}-bit; a P-256 key is required");
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return ValidateOptionsResult.Fail($"the signing public key is not a PEM ECDSA public key: {ex.Message}");
        }
    }
}
