using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Attribute rules (source-generated) plus the rules that span fields.</summary>
[OptionsValidator]
internal sealed partial class DataPlaneResilienceOptionsValidator : IValidateOptions<DataPlaneResilienceOptions>
{
}

/// <summary>Rules that span fields of <see cref="DataPlaneResilienceOptions"/>.</summary>
internal sealed class DataPlaneResilienceCrossFieldValidator : IValidateOptions<DataPlaneResilienceOptions>
{
    public ValidateOptionsResult Validate(string? name, DataPlaneResilienceOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.MaxDecompressedBytes < options.MaxConfigBytes)
        {
            builder.AddError("must be at least MaxConfigBytes, since decompression only grows a configuration", nameof(options.MaxDecompressedBytes));
        }

        if (options.NodeId is { } id && string.IsNullOrWhiteSpace(id))
        {
            builder.AddError("must not be blank; leave it unset to create an id", nameof(options.NodeId));
        }

        return builder.Build();
    }
}
