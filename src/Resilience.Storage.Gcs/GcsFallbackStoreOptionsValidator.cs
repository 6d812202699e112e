using Microsoft.Extensions.Options;

namespace Resilience.Storage.Gcs;

/// <summary>Attribute rules (source-generated).</summary>
[OptionsValidator]
internal sealed partial class GcsFallbackStoreOptionsAttributeValidator : IValidateOptions<GcsFallbackStoreOptions>
{
}

/// <summary>Validates <see cref="GcsFallbackStoreOptions"/> at start-up: attributes plus the cross-field rules.</summary>
internal sealed class GcsFallbackStoreOptionsValidator : IValidateOptions<GcsFallbackStoreOptions>
{
    private static readonly GcsFallbackStoreOptionsAttributeValidator Attributes = new();

    public ValidateOptionsResult Validate(string? name, GcsFallbackStoreOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Attributes.Validate(name, options));
        if (options.Endpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            builder.AddError($"'{endpoint}' is not an http:// or https:// URL", nameof(options.Endpoint));
        }

        if (options.AttemptTimeout > options.TotalTimeout)
        {
            builder.AddError($"({options.AttemptTimeout}) must not exceed TotalTimeout ({options.TotalTimeout})", nameof(options.AttemptTimeout));
        }

        if (options.RetryBaseDelay > options.MaxRetryDelay)
        {
            builder.AddError($"({options.RetryBaseDelay}) must not exceed MaxRetryDelay ({options.MaxRetryDelay})", nameof(options.RetryBaseDelay));
        }

        return builder.Build();
    }
}
