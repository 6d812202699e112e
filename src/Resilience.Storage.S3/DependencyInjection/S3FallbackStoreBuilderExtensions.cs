using Microsoft.Extensions.Configuration;
using Resilience;
using Resilience.Storage;
using Resilience.Storage.S3;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the S3 fallback store (<c>s3://bucket/prefix</c>) to the data-plane chain or a control plane's export.</summary>
public static class S3FallbackStoreBuilderExtensions
{
    /// <summary>The sub-section, under the section given to <c>AddDataPlaneResilience</c>, that binds <see cref="S3FallbackStoreOptions"/>.</summary>
    public const string SectionName = "FallbackStore:S3";

    /// <summary>As <see cref="UseS3FallbackStore{TBuilder}(TBuilder, Action{S3FallbackStoreOptions}?)"/> with the options from configuration and the environment only.</summary>
    /// <typeparam name="TBuilder">The builder type: the data plane's or the control plane's export builder.</typeparam>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c> or <c>AddDataPlaneHubExport</c>.</param>
    /// <returns>The builder.</returns>
    public static TBuilder UseS3FallbackStore<TBuilder>(this TBuilder builder)
        where TBuilder : IFallbackStoreBuilder => builder.UseS3FallbackStore(configure: null);

    /// <summary>
    /// Lets <c>FallbackStore:Storage</c> name an <c>s3://bucket/prefix</c> store (AWS S3 or, with an endpoint, an
    /// S3-compatible server). The options bind from <c>FallbackStore:S3</c> of the section given to
    /// <c>AddDataPlaneResilience</c> (so <c>Resilience__FallbackStore__S3__Endpoint</c> works with no code), then
    /// <paramref name="configure"/> runs. An <see cref="Amazon.S3.IAmazonS3"/> registered in the container (for example by
    /// <c>AddAWSService&lt;IAmazonS3&gt;()</c>) is used instead of a client built from the options. Harmless when called
    /// twice; each call adds its <paramref name="configure"/>.
    /// </summary>
    /// <typeparam name="TBuilder">The builder type: the data plane's or the control plane's export builder.</typeparam>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c> or <c>AddDataPlaneHubExport</c>.</param>
    /// <param name="configure">Sets endpoint, region, credentials, encryption and retry options; optional.</param>
    /// <returns>The builder.</returns>
    public static TBuilder UseS3FallbackStore<TBuilder>(this TBuilder builder, Action<S3FallbackStoreOptions>? configure)
        where TBuilder : IFallbackStoreBuilder
        => CloudStoreRegistration.Use<TBuilder, S3FallbackStoreOptions, S3FallbackStoreOptionsValidator, S3FallbackStoreFactory>(builder, SectionName, configure);

    /// <summary>As <see cref="UseS3FallbackStore{TBuilder}(TBuilder, Action{S3FallbackStoreOptions}?)"/>, binding the options from a section (for example <c>Resilience:FallbackStore:S3</c>).</summary>
    /// <typeparam name="TBuilder">The builder type: the data plane's or the control plane's export builder.</typeparam>
    /// <param name="builder">The builder from <c>AddDataPlaneResilience</c> or <c>AddDataPlaneHubExport</c>.</param>
    /// <param name="section">The section holding <see cref="S3FallbackStoreOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static TBuilder UseS3FallbackStore<TBuilder>(this TBuilder builder, IConfiguration section)
        where TBuilder : IFallbackStoreBuilder
    {
        CloudStoreRegistration.BindSection<S3FallbackStoreOptions>(builder, section);
        return builder.UseS3FallbackStore(configure: null);
    }
}
