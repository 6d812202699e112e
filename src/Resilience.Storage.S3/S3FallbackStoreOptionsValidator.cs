using Microsoft.Extensions.Options;

namespace Resilience.Storage.S3;

/// <summary>Attribute rules (source-generated).</summary>
[OptionsValidator]
internal sealed partial class S3FallbackStoreOptionsAttributeValidator : IValidateOptions<S3FallbackStoreOptions>
{
}

/// <summary>Validates <see cref="S3FallbackStoreOptions"/> at start-up: attributes, the retry rules every store shares, and the endpoint and encryption rules.</summary>
internal sealed class S3FallbackStoreOptionsValidator() : CloudStoreOptionsValidator<S3FallbackStoreOptions>(new S3FallbackStoreOptionsAttributeValidator())
{
    protected override void AddStoreRules(ValidateOptionsResultBuilder builder, S3FallbackStoreOptions options)
    {
        RequireHttpUrl(builder, options.Endpoint, nameof(options.Endpoint));
        if (options.KmsKeyId is { Length: > 0 } && options.ServerSideEncryption is not ("aws:kms" or "aws:kms:dsse"))
        {
            builder.AddError("needs ServerSideEncryption aws:kms or aws:kms:dsse", nameof(options.KmsKeyId));
        }
    }
}
