using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Resilience;
using Resilience.Storage;
using Resilience.Storage.Gcs;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Google Cloud Storage fallback store (<c>gcs://bucket/prefix</c>) to the data-plane chain or a control plane's export.</summary>
public static class GcsFallbackStoreBuilderExtensions
{
    /// <summary>The sub-section, under the section given to <c>AddDataPlaneResilience</c>, that binds <see cref="GcsFallbackStoreOptions"/>.</summary>
    public const string SectionName = "FallbackStore:Gcs";

    /// <summary>As <see cref="UseGcsFallbackStore{TBuilder}(TBuilder, Action{GcsFallbackStoreOptions}?)"/> with the options from configuration and the environment only.</summary>
    /// <typeparam name="TBuilder">The builder type: the data plane's or the control plane's export builder.</typeparam>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c> or <c>AddDataPlaneHubExport</c>.</param>
    /// <returns>The builder.</returns>
    public static TBuilder UseGcsFallbackStore<TBuilder>(this TBuilder builder)
        where TBuilder : IFallbackStoreBuilder => builder.UseGcsFallbackStore(configure: null);

    /// <summary>
    /// Lets <c>FallbackStore:Storage</c> name a <c>gcs://bucket/prefix</c> store (Google Cloud Storage, or a
    /// private endpoint); <c>gs://bucket/prefix</c> names the same store. The options bind from <c>FallbackStore:Gcs</c> of the section given to
    /// <c>AddDataPlaneResilience</c>, then <paramref name="configure"/> runs. A <see cref="Google.Cloud.Storage.V1.StorageClient"/>
    /// registered in the container is used instead of a client built from the options. Harmless when called twice;
    /// each call adds its <paramref name="configure"/>.
    /// </summary>
    /// <typeparam name="TBuilder">The builder type: the data plane's or the control plane's export builder.</typeparam>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c> or <c>AddDataPlaneHubExport</c>.</param>
    /// <param name="configure">Sets endpoint, credentials and retry options; optional.</param>
    /// <returns>The builder.</returns>
    public static TBuilder UseGcsFallbackStore<TBuilder>(this TBuilder builder, Action<GcsFallbackStoreOptions>? configure)
        where TBuilder : IFallbackStoreBuilder
    {
        CloudStoreRegistration.Use<TBuilder, GcsFallbackStoreOptions, GcsFallbackStoreOptionsValidator, GcsFallbackStoreFactory>(builder, SectionName, configure);

        // gs:// is another spelling of gcs://: the same store, the same keys.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IFallbackStoreFactory, GsFallbackStoreFactory>());
        return builder;
    }

    /// <summary>As <see cref="UseGcsFallbackStore{TBuilder}(TBuilder, Action{GcsFallbackStoreOptions}?)"/>, binding the options from a section (for example <c>Resilience:FallbackStore:Gcs</c>).</summary>
    /// <typeparam name="TBuilder">The builder type: the data plane's or the control plane's export builder.</typeparam>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c> or <c>AddDataPlaneHubExport</c>.</param>
    /// <param name="section">The section holding <see cref="GcsFallbackStoreOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static TBuilder UseGcsFallbackStore<TBuilder>(this TBuilder builder, IConfiguration section)
        where TBuilder : IFallbackStoreBuilder
    {
        CloudStoreRegistration.BindSection<GcsFallbackStoreOptions>(builder, section);
        return builder.UseGcsFallbackStore(configure: null);
    }
}
