using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Attribute rules of <see cref="TelemetryOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
}
