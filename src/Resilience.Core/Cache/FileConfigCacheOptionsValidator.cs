using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Validates <see cref="FileConfigCacheOptions"/> at start-up: an encryption key, when given, must be usable.</summary>
internal sealed class FileConfigCacheOptionsValidator : IValidateOptions<FileConfigCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, FileConfigCacheOptions options) =>
        CacheEncryption.Validate(options.Encryption) is { } error
            ? ValidateOptionsResult.Fail($"Cache:Encryption: {error}.")
            : ValidateOptionsResult.Success;
}
