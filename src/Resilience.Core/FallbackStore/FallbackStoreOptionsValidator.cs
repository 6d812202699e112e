using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Attribute rules (source-generated) plus the storage URI and import/export rules.</summary>
[OptionsValidator]
internal sealed partial class FallbackStoreOptionsAttributeValidator : IValidateOptions<FallbackStoreOptions>
{
}

/// <summary>Validates <see cref="FallbackStoreOptions"/> at start-up.</summary>
internal sealed class FallbackStoreOptionsValidator : IValidateOptions<FallbackStoreOptions>
{
    private static readonly FallbackStoreOptionsAttributeValidator Attributes = new();

    public ValidateOptionsResult Validate(string? name, FallbackStoreOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Attributes.Validate(name, options));
        if (string.IsNullOrWhiteSpace(options.Storage))
        {
            if (options.Import || options.Export)
            {
                builder.AddError("is required when Import or Export is on", nameof(options.Storage));
            }
        }
        else if (!Uri.TryCreate(options.Storage, UriKind.Absolute, out var uri) || uri.Scheme is not ("s3" or "gcs" or "file"))
        {
            builder.AddError($"'{options.Storage}' is not a storage URI; use s3://bucket/prefix, gcs://bucket/prefix or file:///dir", nameof(options.Storage));
        }

        return builder.Build();
    }
}
