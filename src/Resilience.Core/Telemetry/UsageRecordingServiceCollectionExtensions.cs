using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>The usage buffer's registrations: <see cref="IUsageRecorder"/> for the request path, created on first use.</summary>
internal static class UsageRecordingServiceCollectionExtensions
{
    /// <summary>Binds the <c>Telemetry</c> section (every call of <c>AddDataPlaneResilience</c>).</summary>
    public static IServiceCollection ConfigureUsageRecording(this IServiceCollection services, IConfiguration? section)
    {
        var options = services.AddOptions<TelemetryOptions>();
        if (section is not null)
        {
            options.Bind(section.GetSection(TelemetryDefaults.SectionName));
        }

        options.ValidateOnStart();
        return services;
    }

    /// <summary>Adds the buffer, sized at <see cref="TelemetryOptions.BufferSizeLimit"/>.</summary>
    public static IServiceCollection AddUsageRecording(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        services.TryAddSingleton(sp => new UsageBuffer(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value.BufferSizeLimit));
        services.TryAddSingleton<IUsageRecorder>(sp => sp.GetRequiredService<UsageBuffer>());
        services.TryAddSingleton<IUsageDrain>(sp => sp.GetRequiredService<UsageBuffer>());
        services.TryAddSingleton<IRequestOutcomes>(sp => sp.GetRequiredService<UsageBuffer>());
        return services;
    }
}
