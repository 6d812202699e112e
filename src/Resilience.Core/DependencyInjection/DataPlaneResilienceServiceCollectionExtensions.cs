using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the data-plane fallback chain to a gateway.</summary>
public static class DataPlaneResilienceServiceCollectionExtensions
{
    /// <summary>Sub-section names under the section given to <see cref="AddDataPlaneResilience(IServiceCollection, IConfiguration)"/> (each concept's registration binds its own).</summary>
    internal const string DeclarativeSection = "Declarative";
    internal const string SigningSection = "Signing";

    /// <summary>Adds the chain, binding its options from a configuration section (for example <c>Resilience</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section; its <c>Bake</c>, <c>Cache</c>, <c>Declarative</c>, <c>FallbackStore</c>, <c>Health</c>, <c>History</c>, <c>Signing</c> and <c>Telemetry</c> sub-sections bind those options (a link package binds its own, <c>UseWebSocketClusterLink()</c> the <c>ClusterLink</c> one).</param>
    /// <returns>The builder, for the packages' <c>Use...</c> methods.</returns>
    public static IDataPlaneResilienceBuilder AddDataPlaneResilience(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return services.AddDataPlaneResilience(section, static _ => { });
    }

    /// <summary>Adds the chain, configured by a delegate.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the chain's options.</param>
    /// <returns>The builder, for the packages' <c>Use...</c> methods.</returns>
    public static IDataPlaneResilienceBuilder AddDataPlaneResilience(this IServiceCollection services, Action<DataPlaneResilienceOptions> configure)
        => services.AddDataPlaneResilience(null, configure);

    /// <summary>Adds the chain, binding options from a section and then applying a delegate.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section, or <see langword="null"/>.</param>
    /// <param name="configure">Sets the chain's options after binding.</param>
    /// <returns>The builder, for the packages' <c>Use...</c> methods.</returns>
    public static IDataPlaneResilienceBuilder AddDataPlaneResilience(this IServiceCollection services, IConfiguration? section, Action<DataPlaneResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        // Options bind on every call (a second call adds its configuration); each concept binds its own sub-section.
        services
            .ConfigureNode(section, configure)
            .ConfigureFileConfigCache(section)
            .ConfigureFallbackStore(section)
            .ConfigureDataPlaneHealth(section)
            .ConfigureUsageRecording(section)
            .ConfigureHistory(section)
            .ConfigureBake(section);
        ConfigureDeclarative(services, section);
        ConfigureSigning(services, section);

        var builder = new DataPlaneResilienceBuilder(services, section);
        if (services.Any(d => d.ServiceType == typeof(ChainMarker)))
        {
            // Called twice: the second call only adds its configuration.
            return builder;
        }

        services.AddSingleton<ChainMarker>();
        services
            .AddNode()
            .AddFileConfigCache()
            .AddFallbackStore((section as IConfigurationSection)?.Path)
            .AddUsageRecording()
            .AddChain();
        AddDeclarative(services);
        AddSigning(services);
        services.AddLicensing();
        services.AddConfigExport();
        services.AddBake();
        return builder;
    }

    /// <summary>
    /// Adds a validator (and parser) that every configuration must pass before it is served. Validators compose:
    /// every one registered (by this method, by the delegate overload, or by a package such as
    /// <c>LoadFromDataPlane()</c>) runs, in registration order; all must pass; the errors of all are reported; the
    /// first that returns a model provides the snapshot's model. Registering the same type twice adds it once.
    /// </summary>
    /// <typeparam name="TValidator">The validator type, resolved from the container.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(this IDataPlaneResilienceBuilder builder)
        where TValidator : class, IDataPlaneConfigValidator
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDataPlaneConfigValidator, TValidator>());
        return builder;
    }

    /// <summary>
    /// Adds a delegate that every configuration must pass before it is served; it runs beside every other registered
    /// validator, in registration order (see <see cref="UseValidator{TValidator}(IDataPlaneResilienceBuilder)"/>).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="validate">Returns valid (with an optional model) or the errors.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseValidator(this IDataPlaneResilienceBuilder builder, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask<ConfigValidationResult>> validate)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(validate);
        builder.Services.AddSingleton<IDataPlaneConfigValidator>(new DelegateConfigValidator(validate));
        return builder;
    }

    /// <summary>
    /// Uses a cache other than the default <c>config.json.gz</c> file (packages call this from their <c>Use...Cache</c> methods).
    /// A cache that also implements <see cref="IConfigHistoryStore"/> keeps the node's history; one that does not leaves it off.
    /// </summary>
    /// <typeparam name="TCache">The cache type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseCache<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TCache>(this IDataPlaneResilienceBuilder builder)
        where TCache : class, IConfigCache
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IConfigCache, TCache>());
        return builder;
    }

    /// <summary>
    /// Adds a host's own signal to the bake (<c>Resilience:Bake</c>): asked every second while a configuration from the
    /// control plane bakes; an unhealthy answer sends the node back to the configuration it served before.
    /// </summary>
    /// <typeparam name="TProbe">The probe type, resolved from the container.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder AddConfigHealthProbe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TProbe>(this IDataPlaneResilienceBuilder builder)
        where TProbe : class, IConfigHealthProbe
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigHealthProbe, TProbe>());
        return builder;
    }

    /// <summary>
    /// Adds a cache this node may have used before its set-up changed (another kind, another place), read at start-up
    /// when the configured cache holds nothing usable: what it holds is served after the usual checks (hash,
    /// signature, validator) and written to the configured cache (event 2010); the old one is never written or
    /// deleted. Core reads the <c>config.json.gz</c> file this way already; cache packages add theirs
    /// (<c>MigrateFromLmdbCache()</c>). Readers are tried in registration order and released after start-up.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="createReader">Creates the reader (only its <see cref="IConfigCache.LoadAsync"/> and <see cref="IConfigCache.Description"/> are used; disposed after start-up when disposable).</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder AddPreviousCache(this IDataPlaneResilienceBuilder builder, Func<IServiceProvider, IConfigCache> createReader)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(createReader);
        builder.Services.AddSingleton(sp => new PreviousConfigCache(createReader(sp)));
        return builder;
    }

    /// <summary>Adds a declarative source after the YAML file (tier 4); sources are tried in registration order.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="source">The source.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder AddConfigSource(this IDataPlaneResilienceBuilder builder, IConfigSource source)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(source);
        builder.Services.AddSingleton(source);
        return builder;
    }

    /// <summary>Uses a link to the control plane (tier 1); without one the chain starts at the cache.</summary>
    /// <typeparam name="TLink">The link type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseClusterLink<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TLink>(this IDataPlaneResilienceBuilder builder)
        where TLink : class, IClusterLink
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IClusterLink, TLink>());
        return builder;
    }

    /// <summary>Uses a given link instance to the control plane (tier 1).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="link">The link.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseClusterLink(this IDataPlaneResilienceBuilder builder, IClusterLink link)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(link);
        builder.Services.Replace(ServiceDescriptor.Singleton(link));
        return builder;
    }

    /// <summary>Registers a factory for a storage URI scheme (store packages call this).</summary>
    /// <typeparam name="TFactory">The factory type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder AddFallbackStoreFactory<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFactory>(this IDataPlaneResilienceBuilder builder)
        where TFactory : class, IFallbackStoreFactory
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IFallbackStoreFactory, TFactory>());
        return builder;
    }

    /// <summary>Binds the <c>Declarative</c> section: the YAML file and the limits of YAML conversion.</summary>
    private static void ConfigureDeclarative(IServiceCollection services, IConfiguration? section)
    {
        var options = services.AddOptions<DeclarativeConfigOptions>();
        if (section is not null)
        {
            options.Bind(section.GetSection(DeclarativeSection));
        }

        options.ValidateOnStart();
    }

    /// <summary>The YAML file, the first declarative source (tier 4).</summary>
    private static void AddDeclarative(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeclarativeConfigOptions>, DeclarativeConfigOptionsValidator>());
        services.AddSingleton<IConfigSource>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DeclarativeConfigOptions>>().Value;
            return new YamlConfigSource(options.Path, options.MaxFileBytes);
        });
    }

    /// <summary>Binds the <c>Signing</c> section.</summary>
    private static void ConfigureSigning(IServiceCollection services, IConfiguration? section)
    {
        if (section is not null)
        {
            services.AddOptions<ConfigSigningOptions>().Bind(section.GetSection(SigningSection));
        }

        services.AddOptions<ConfigSigningOptions>().ValidateOnStart();
    }

    /// <summary>The signature check of the control plane's tiers.</summary>
    private static void AddSigning(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConfigSigningOptions>, ConfigSigningOptionsValidator>());
        services.TryAddSingleton<ConfigSignatureCheck>();
    }

    /// <summary>Marks the chain's registrations as done, so a second call adds nothing twice.</summary>
    private sealed class ChainMarker;
}
