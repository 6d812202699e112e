using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Validates <see cref="LmdbConfigCacheOptions"/> at start-up.</summary>
internal sealed class LmdbConfigCacheOptionsValidator : IValidateOptions<LmdbConfigCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, LmdbConfigCacheOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.MapSize < LmdbConfigCacheDefaults.MinMapSize)
        {
            builder.AddError($"must be at least {LmdbConfigCacheDefaults.MinMapSize} bytes (1 MiB), not {options.MapSize}", $"{LmdbConfigCacheDefaults.Section}:{nameof(options.MapSize)}");
        }

        if (options.MaxReaders is < 1 or > 32767)
        {
            builder.AddError($"must be between 1 and 32767, not {options.MaxReaders}", $"{LmdbConfigCacheDefaults.Section}:{nameof(options.MaxReaders)}");
        }

        if (options.Path is { } path && string.IsNullOrWhiteSpace(path))
        {
            builder.AddError("must not be blank; leave it unset for dbless.lmdb in the data directory", $"{LmdbConfigCacheDefaults.Section}:{nameof(options.Path)}");
        }

        if (!Enum.IsDefined(options.NativeLibrary))
        {
            builder.AddError($"must be Auto, Bundled or System, not {options.NativeLibrary}", $"{LmdbConfigCacheDefaults.Section}:{nameof(options.NativeLibrary)}");
        }
        else if ((LmdbNativeLibraryResolver.CheckLoads(options.NativeLibrary) is { } notLoading
                     ? $"is {options.NativeLibrary}, but {notLoading}"
                     : LmdbNativeLibraryResolver.Conflict(options.NativeLibrary)) is { } nativeProblem)
        {
            // An explicit choice that cannot be honoured stops start-up; Auto's failure is logged by the cache (event 2105) and the chain moves on.
            builder.AddError(nativeProblem, $"{LmdbConfigCacheDefaults.Section}:{nameof(options.NativeLibrary)}");
        }

        if (CacheEncryption.Validate(options.Encryption) is { } error)
        {
            builder.AddError(error, $"{LmdbConfigCacheDefaults.Section}:Encryption");
        }

        return builder.Build();
    }
}
