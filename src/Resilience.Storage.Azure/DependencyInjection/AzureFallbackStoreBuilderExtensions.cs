using Microsoft.Extensions.Configuration;
using Resilience;
using Resilience.Storage;
using Resilience.Storage.Azure;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Azure Blob Storage fallback store (<c>azure://container/prefix</c>) to the data-plane chain or a control plane's export.</summary>
public static class AzureFallbackStoreBuilderExtensions
{
    /// <summary>The sub-section, under the section given to <c>AddDataPlaneResilience</c>, that binds <see cref="AzureFallbackStoreOptions"/>.</summary>
    public const string SectionName = "FallbackStore:Azure";

    /// <summary>As <see cref="UseAzureFallbackStore{TBuilder}(TBuilder, Action{AzureFallbackStoreOptions}?)"/> with the options from configuration and the environment only.</summary>
    /// <typeparam name="TBuilder">The builder type: the data plane's or the control plane's export builder.</typeparam>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c> or <c>AddDataPlaneHubExport</c>.</param>
    /// <returns>The builder.</returns>
    public static TBuilder UseAzureFallbackStore<TBuilder>(this TBuilder builder)
        where TBuilder : IFallbackStoreBuilder => builder.UseAzureFallbackStore(configure: null);

    /// <summary>
    /// Lets <c>FallbackStore:Storage</c> name an <c>azure://container/prefix</c> store (Azure Blob Storage, a sovereign
    /// cloud or Azurite through an endpoint). The options bind from <c>FallbackStore:Azure</c> of the section given to
    /// <c>AddDataPlaneResilience</c> (so <c>Resilience__FallbackStore__Azure__AccountName</c> works with no code), then
    /// <paramref name="configure"/> runs; with none of them set, <c>AZURE_STORAGE_CONNECTION_STRING</c> or
    /// <c>AZURE_STORAGE_ACCOUNT</c> names the account. A <see cref="global::Azure.Storage.Blobs.BlobServiceClient"/> registered in
    /// the container is used instead of a client built from the options. Harmless when called twice; each call adds
    /// its <paramref name="configure"/>.
    /// </summary>
    /// <typeparam name="TBuilder">The builder type: the data plane's or the control plane's export builder.</typeparam>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c> or <c>AddDataPlaneHubExport</c>.</param>
    /// <param name="configure">Sets the account, credentials and retry options; optional.</param>
    /// <returns>The builder.</returns>
    public static TBuilder UseAzureFallbackStore<TBuilder>(this TBuilder builder, Action<AzureFallbackStoreOptions>? configure)
        where TBuilder : IFallbackStoreBuilder
        => CloudStoreRegistration.Use<TBuilder, AzureFallbackStoreOptions, AzureFallbackStoreOptionsValidator, AzureFallbackStoreFactory>(builder, SectionName, configure);

    /// <summary>As <see cref="UseAzureFallbackStore{TBuilder}(TBuilder, Action{AzureFallbackStoreOptions}?)"/>, binding the options from a section (for example <c>Resilience:FallbackStore:Azure</c>).</summary>
    /// <typeparam name="TBuilder">The builder type: the data plane's or the control plane's export builder.</typeparam>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c> or <c>AddDataPlaneHubExport</c>.</param>
    /// <param name="section">The section holding <see cref="AzureFallbackStoreOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static TBuilder UseAzureFallbackStore<TBuilder>(this TBuilder builder, IConfiguration section)
        where TBuilder : IFallbackStoreBuilder
    {
        CloudStoreRegistration.BindSection<AzureFallbackStoreOptions>(builder, section);
        return builder.UseAzureFallbackStore(configure: null);
    }
}
