using Microsoft.Extensions.Options;

namespace Resilience.Storage.Gcs;

/// <summary>Attribute rules (source-generated).</summary>
[OptionsValidator]
internal sealed partial class GcsFallbackStoreOptionsAttributeValidator : IValidateOptions<GcsFallbackStoreOptions>
{
}

/// <summary>Validates <see cref="GcsFallbackStoreOptions"/> at start-up: attributes, the retry rules every store shares, and the endpoint.</summary>
internal sealed class GcsFallbackStoreOptionsValidator() : CloudStoreOptionsValidator<GcsFallbackStoreOptions>(new GcsFallbackStoreOptionsAttributeValidator())
{
    protected override void AddStoreRules(ValidateOptionsResultBuilder builder, GcsFallbackStoreOptions options) =>
        RequireHttpUrl(builder, options.Endpoint, nameof(options.Endpoint));
}
