using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Resilience.Storage;

/// <summary>
/// What every store package's <c>Use...FallbackStore()</c> does (shared source): bind its options from its sub-section
/// of the builder's section, apply the caller's delegate, validate at start-up, and register its factory, so calling it
/// twice is harmless and each call adds its delegate.
/// </summary>
internal static class CloudStoreRegistration
{
    /// <typeparam name="TBuilder">The data plane's or the control plane's export builder.</typeparam>
    /// <typeparam name="TOptions">The store's options.</typeparam>
    /// <typeparam name="TValidator">The store's options validator.</typeparam>
    /// <typeparam name="TFactory">The store's factory.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="sectionName">The sub-section of the builder's section holding the options (<c>FallbackStore:S3</c>, ...).</param>
    /// <param name="configure">The caller's delegate; optional.</param>
    /// <returns>The builder.</returns>
    public static TBuilder Use<TBuilder, TOptions, TValidator, TFactory>(TBuilder builder, string sectionName, Action<TOptions>? configure)
        where TBuilder : IFallbackStoreBuilder
        where TOptions : FallbackStoreRetryOptions
        where TValidator : class, IValidateOptions<TOptions>
        where TFactory : class, IFallbackStoreFactory
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<TOptions>();
        if (builder.Configuration is { } section)
        {
            options.Bind(section.GetSection(sectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IFallbackStoreFactory, TFactory>());
        return builder;
    }

    /// <summary>Binds the options from <paramref name="section"/> as well (the overload taking a section).</summary>
    public static void BindSection<TOptions>(IFallbackStoreBuilder builder, IConfiguration section)
        where TOptions : FallbackStoreRetryOptions
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.AddOptions<TOptions>().Bind(section);
    }
}
