using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Attribute rules (source-generated) plus the storage URI and import/export rules.</summary>
[OptionsValidator]
internal sealed partial class FallbackStoreOptionsAttributeValidator : IValidateOptions<FallbackStoreOptions>
{
}

/// <summary>Validates <see cref="FallbackStoreOptions"/> at start-up.</summary>
internal sealed class FallbackStoreOptionsValidator : IValidateOptions<FallbackStoreOptions>
{
    private static readonly FallbackStoreOptionsAttributeValidator Attributes = new();
    private readonly Func<IEnumerable<IFallbackStoreFactory>> _factories;
    private readonly bool _storeRegistered;

    /// <param name="factories">The registered store factories: their schemes are the storage URIs this node can use.</param>
    /// <param name="services">
    /// Tells whether an <see cref="IFallbackStore"/> is registered directly: that store wins over the factories
    /// (<see cref="FallbackStoreResolver"/>), so the URI's scheme then needs no factory.
    /// </param>
    public FallbackStoreOptionsValidator(IEnumerable<IFallbackStoreFactory> factories, IServiceProviderIsService? services = null)
    {
        _factories = () => factories;
        _storeRegistered = services?.IsService(typeof(IFallbackStore)) == true;
    }

    /// <summary>
    /// Created by the container: the factories are resolved only when a storage URI needs one. A node without a fallback
    /// store then never creates them, and a store package it references but does not use (the S3 factory takes an
    /// optional <c>IAmazonS3</c>) loads none of its SDK's assemblies at start-up.
    /// </summary>
    public FallbackStoreOptionsValidator(IServiceProvider services)
    {
        _factories = services.GetServices<IFallbackStoreFactory>;
        _storeRegistered = services.GetService<IServiceProviderIsService>()?.IsService(typeof(IFallbackStore)) == true;
    }

    public ValidateOptionsResult Validate(string? name, FallbackStoreOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Attributes.Validate(name, options));
        if (string.IsNullOrWhiteSpace(options.Storage))
        {
            if (options.Import || options.Export)
            {
                builder.AddError("is required when Import or Export is on", nameof(options.Storage));
            }
        }
        else if (!Uri.TryCreate(options.Storage, UriKind.Absolute, out var uri))
        {
            builder.AddError($"'{options.Storage}' is not a storage URI; use s3://bucket/prefix, gcs://bucket/prefix, azure://container/prefix, file:///dir or the scheme of a registered store", nameof(options.Storage));
        }
        else if (!_storeRegistered && _factories().ToArray() is var factories && !factories.Any(f => string.Equals(f.Scheme, uri.Scheme, StringComparison.OrdinalIgnoreCase)))
        {
            var known = string.Join(", ", factories.Select(f => f.Scheme + "://").Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal));
            builder.AddError(
                $"no registered fallback store handles '{uri.Scheme}://' (registered: {known}); add its package and call its Use...FallbackStore() method (s3: Resilience.Storage.S3, gcs or gs: Resilience.Storage.Gcs, azure: Resilience.Storage.Azure) or AddFallbackStoreFactory<T>()",
                nameof(options.Storage));
        }

        return builder.Build();
    }
}
