using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resilience.Storage.Gcs;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Google Cloud Storage fallback store (<c>gcs://bucket/prefix</c>) to the data-plane chain.</summary>
public static class GcsFallbackStoreBuilderExtensions
{
    /// <summary>As <see cref="UseGcsFallbackStore(IDataPlaneResilienceBuilder, Action{GcsFallbackStoreOptions}?)"/> with the options from configuration and the environment only.</summary>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c>.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseGcsFallbackStore(this IDataPlaneResilienceBuilder builder) => builder.UseGcsFallbackStore(configure: null);

    /// <summary>
    /// Lets <c>FallbackStore:Storage</c> name a <c>gcs://bucket/prefix</c> store (Google Cloud Storage, or a
    /// private endpoint). Harmless when called twice; each call adds its <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c>.</param>
    /// <param name="configure">Sets endpoint, credentials and retry options; optional.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseGcsFallbackStore(this IDataPlaneResilienceBuilder builder, Action<GcsFallbackStoreOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<GcsFallbackStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GcsFallbackStoreOptions>, GcsFallbackStoreOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder.AddFallbackStoreFactory<GcsFallbackStoreFactory>();
    }

    /// <summary>As <see cref="UseGcsFallbackStore(IDataPlaneResilienceBuilder, Action{GcsFallbackStoreOptions}?)"/>, binding the options from a section (for example <c>Resilience:FallbackStore:Gcs</c>).</summary>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c>.</param>
    /// <param name="section">The section holding <see cref="GcsFallbackStoreOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseGcsFallbackStore(this IDataPlaneResilienceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.AddOptions<GcsFallbackStoreOptions>().Bind(section);
        return builder.UseGcsFallbackStore(configure: null);
    }
}
