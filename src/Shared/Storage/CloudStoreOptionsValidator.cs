using Microsoft.Extensions.Options;

namespace Resilience.Storage;

/// <summary>
/// Validates a cloud store's options at start-up (shared source): the attribute rules (the store's source-generated
/// <c>[OptionsValidator]</c>), the store's own rules, and the retry rules every store shares (an attempt fits in the
/// budget, the first delay is not above the longest).
/// </summary>
/// <typeparam name="TOptions">The store's options.</typeparam>
internal abstract class CloudStoreOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : FallbackStoreRetryOptions
{
    private readonly IValidateOptions<TOptions> _attributes;

    /// <param name="attributes">The store's generated attribute validator.</param>
    protected CloudStoreOptionsValidator(IValidateOptions<TOptions> attributes) => _attributes = attributes;

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(_attributes.Validate(name, options));
        AddStoreRules(builder, options);
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

    /// <summary>An endpoint, when set, is an absolute <c>http://</c> or <c>https://</c> URL.</summary>
    protected static void RequireHttpUrl(ValidateOptionsResultBuilder builder, string? url, string member)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (url is { Length: > 0 } && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            builder.AddError($"'{url}' is not an http:// or https:// URL", member);
        }
    }

    /// <summary>Adds the rules of this store's own settings.</summary>
    protected abstract void AddStoreRules(ValidateOptionsResultBuilder builder, TOptions options);
}
