using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Validates <see cref="DeclarativeConfigOptions"/> at start-up (source-generated from its attributes).</summary>
[OptionsValidator]
internal sealed partial class DeclarativeConfigOptionsValidator : IValidateOptions<DeclarativeConfigOptions>
{
}
