using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Resilience.ControlPlane.Redis;

/// <summary>Attribute rules of <see cref="RedisBackplaneOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class RedisBackplaneOptionsValidator : IValidateOptions<RedisBackplaneOptions>
{
}

/// <summary>The configuration string must be one StackExchange.Redis understands, with at least one endpoint.</summary>
internal sealed class RedisBackplaneConfigurationValidator : IValidateOptions<RedisBackplaneOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisBackplaneOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            return ValidateOptionsResult.Skip;
        }

        try
        {
            var parsed = ConfigurationOptions.Parse(options.Configuration);
            return parsed.EndPoints.Count == 0
                ? ValidateOptionsResult.Fail($"{nameof(RedisBackplaneOptions.Configuration)} names no Redis endpoint")
                : ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"{nameof(RedisBackplaneOptions.Configuration)} is not a valid StackExchange.Redis configuration: {ex.Message}");
        }
    }
}
