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
    /// <summary>Sub-section names under the section given to <see cref="AddDataPlaneResilience(IServiceCollection, IConfiguration)"/>.</summary>
    internal const string CacheSection = "Cache";
    internal const string DeclarativeSection = "Declarative";
    internal const string FallbackStoreSection = "FallbackStore";
    internal const string HealthSection = "Health";
    internal const string SigningSection = "Signing";
    internal const string TelemetrySection = TelemetryDefaults.SectionName;

    /// <summary>Adds the chain, binding its options from a configuration section (for example <c>Resilience</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section; its <c>Cache</c>, <c>Declarative</c>, <c>FallbackStore</c>, <c>Health</c>, <c>Signing</c> and <c>Telemetry</c> sub-sections bind those options (a link package binds its own, <c>UseWebSocketClusterLink()</c> the <c>ClusterLink</c> one).</param>
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

        var chainOptions = services.AddOptions<DataPlaneResilienceOptions>();
        var cacheOptions = services.AddOptions<FileConfigCacheOptions>();
        var declarativeOptions = services.AddOptions<DeclarativeConfigOptions>();
        var storeOptions = services.AddOptions<FallbackStoreOptions>();
        if (section is not null)
        {
            chainOptions.Bind(section);
            cacheOptions.Bind(section.GetSection(CacheSection));
            declarativeOptions.Bind(section.GetSection(DeclarativeSection));
            storeOptions.Bind(FallbackStoreOptionsSwitches.View(section.GetSection(FallbackStoreSection)));
            services.AddOptions<DataPlaneHealthOptions>().Bind(section.GetSection(HealthSection));
            services.AddOptions<ConfigSigningOptions>().Bind(section.GetSection(SigningSection));
            services.AddOptions<TelemetryOptions>().Bind(section.GetSection(TelemetrySection));
        }

        chainOptions.Configure(configure).ValidateOnStart();
        cacheOptions.ValidateOnStart();
        declarativeOptions.ValidateOnStart();
        storeOptions.ValidateOnStart();
        services.AddOptions<ConfigSigningOptions>().ValidateOnStart();
        services.AddOptions<TelemetryOptions>().ValidateOnStart();

        var builder = new DataPlaneResilienceBuilder(services, section);
        if (services.Any(d => d.ServiceType == typeof(ChainMarker)))
        {
            // Called twice: the second call only adds its configuration.
            return builder;
        }

        services.AddSingleton<ChainMarker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataPlaneResilienceOptions>, DataPlaneResilienceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataPlaneResilienceOptions>, DataPlaneResilienceCrossFieldValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FileConfigCacheOptions>, FileConfigCacheOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeclarativeConfigOptions>, DeclarativeConfigOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FallbackStoreOptions>, FallbackStoreOptionsValidator>());
        services.AddSingleton<IPostConfigureOptions<FallbackStoreOptions>>(sp => new FallbackStoreOptionsEnvironmentCheck((section as IConfigurationSection)?.Path, sp.GetService<ILoggerFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConfigSigningOptions>, ConfigSigningOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFallbackStoreFactory, FileFallbackStoreFactory>());
        services.TryAddSingleton<ConfigSignatureCheck>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        AddTelemetry(services);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IConfigValidator, JsonOnlyConfigValidator>();
        services.TryAddSingleton<IConfigCache, FileConfigCache>();
        services.TryAddSingleton<NodeIdentityProvider>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value;
            return new ConfigPreparer(options.MaxConfigBytes, options.MaxDecompressedBytes, sp.GetRequiredService<IOptions<DeclarativeConfigOptions>>().Value);
        });
        services.TryAddSingleton(sp => new ChainTiers(sp));
        services.TryAddSingleton(sp => new DataPlane(
            sp.GetRequiredService<ConfigPreparer>(),
            sp.GetRequiredService<IConfigValidator>(),
            sp.GetRequiredService<ChainTiers>().Cache,
            sp.GetRequiredService<NodeIdentityProvider>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DataPlane>>(),
            sp.GetService<IMeterFactory>(),
            sp.GetRequiredService<ConfigSignatureCheck>()));
        services.TryAddSingleton<IDataPlane>(sp => sp.GetRequiredService<DataPlane>());
        services.TryAddSingleton(sp => FallbackStoreResolver.Resolve(sp));
        services.AddSingleton<IConfigSource>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DeclarativeConfigOptions>>().Value;
            return new YamlConfigSource(options.Path, options.MaxFileBytes);
        });
        services.AddLicensing();
        services.AddSingleton(sp => new DataPlaneChain(
            sp.GetRequiredService<DataPlane>(),
            sp.GetRequiredService<ChainTiers>().Cache,
            sp.GetRequiredService<ChainTiers>().Link,
            CreateImporter(sp),
            sp.GetServices<IConfigSource>(),
            sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DataPlaneChain>>()));
        services.AddHostedService(sp => sp.GetRequiredService<DataPlaneChain>());
        AddFallbackExport(services);
        return builder;
    }

    /// <summary>Uses a validator (and parser) for every configuration before it is served.</summary>
    /// <typeparam name="TValidator">The validator type, resolved from the container.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(this IDataPlaneResilienceBuilder builder)
        where TValidator : class, IConfigValidator
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IConfigValidator, TValidator>());
        return builder;
    }

    /// <summary>Uses a delegate to validate (and parse) every configuration before it is served.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="validate">Returns valid (with an optional model) or the errors.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseValidator(this IDataPlaneResilienceBuilder builder, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask<ConfigValidationResult>> validate)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(validate);
        builder.Services.Replace(ServiceDescriptor.Singleton<IConfigValidator>(new DelegateConfigValidator(validate)));
        return builder;
    }

    /// <summary>Uses a cache other than the default <c>config.json.gz</c> file (packages call this from their <c>Use...Cache</c> methods).</summary>
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

    /// <summary>
    /// The usage buffer: <see cref="IUsageRecorder"/> for the request path, <see cref="IUsageDrain"/> for the link that
    /// sends it to the control plane. The buffer is created on first use at <see cref="TelemetryOptions.BufferSizeLimit"/>.
    /// </summary>
    private static void AddTelemetry(IServiceCollection services)
    {
        services.TryAddSingleton(sp => new UsageBuffer(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.BufferSizeLimit));
        services.TryAddSingleton<IUsageRecorder>(sp => sp.GetRequiredService<UsageBuffer>());
        services.TryAddSingleton<IUsageDrain>(sp => sp.GetRequiredService<UsageBuffer>());
    }

    private static FallbackImporter? CreateImporter(IServiceProvider sp)
    {
        var store = sp.GetRequiredService<FallbackStoreResolver>().Store;
        if (store is null || !sp.GetRequiredService<IOptions<FallbackStoreOptions>>().Value.Import)
        {
            return null;
        }

        var dataPlane = sp.GetRequiredService<DataPlane>();
        return new FallbackImporter(store, sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value.MaxConfigBytes, sp.GetRequiredService<ILogger<FallbackImporter>>(), dataPlane.Metrics);
    }

    /// <summary>Backup nodes (<see cref="FallbackStoreOptions.Export"/> on) run the exporter election after the chain has started.</summary>
    private static void AddFallbackExport(IServiceCollection services)
    {
        services.AddSingleton(sp => new ConfigExportService(
            sp.GetRequiredService<IDataPlane>(),
            CreateExporterFactory(sp),
            sp.GetRequiredService<ILogger<ConfigExportService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ConfigExportService>());
    }

    private static Func<Func<ExportCandidate?>, FallbackConfigExporter>? CreateExporterFactory(IServiceProvider sp)
    {
        var options = sp.GetRequiredService<IOptions<FallbackStoreOptions>>().Value;
        if (!options.Export || sp.GetRequiredService<FallbackStoreResolver>().Store is not { } store)
        {
            return null;
        }

        var dataPlane = sp.GetRequiredService<DataPlane>();
        var node = dataPlane.Node;
        var metrics = new ExportMetrics(sp.GetService<IMeterFactory>(), DataPlaneResilienceDefaults.MeterName, dataPlane.Metrics.RecordStoreFailure);
        return candidates => new FallbackConfigExporter(
            store,
            node.NodeId,
            node.Hostname,
            node.Version,
            options,
            sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value.MaxConfigBytes,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FallbackConfigExporter>>(),
            metrics,
            candidates);
    }

    /// <summary>Marks the chain's registrations as done, so a second call adds nothing twice.</summary>
    private sealed class ChainMarker;
}
