using Microsoft.Extensions.Options;

namespace Resilience.Storage.S3;

/// <summary>Attribute rules (source-generated).</summary>
[OptionsValidator]
internal sealed partial class S3FallbackStoreOptionsAttributeValidator : IValidateOptions<S3FallbackStoreOptions>
{
}

/// <summary>Validates <see cref="S3FallbackStoreOptions"/> at start-up: attributes plus the cross-field rules.</summary>
internal sealed class S3FallbackStoreOptionsValidator : IValidateOptions<S3FallbackStoreOptions>
{
    private static readonly S3FallbackStoreOptionsAttributeValidator Attributes = new();

    public ValidateOptionsResult Validate(string? name, S3FallbackStoreOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Attributes.Validate(name, options));
        if (options.Endpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            builder.AddError($"'{endpoint}' is not an http:// or https:// URL", nameof(options.Endpoint));
        }

        if (options.KmsKeyId is { Length: > 0 } && options.ServerSideEncryption is not ("aws:kms" or "aws:kms:dsse"))
        {
            builder.AddError("needs ServerSideEncryption aws:kms or aws:kms:dsse", nameof(options.KmsKeyId));
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
