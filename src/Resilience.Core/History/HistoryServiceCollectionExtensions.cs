using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>The history's options (<c>History</c>); the data plane keeps the history through its cache.</summary>
internal static class HistoryServiceCollectionExtensions
{
    /// <summary>Binds the <c>History</c> section (every call of <c>AddDataPlaneResilience</c>).</summary>
    public static IServiceCollection ConfigureHistory(this IServiceCollection services, IConfiguration? section)
    {
        var options = services.AddOptions<HistoryOptions>();
        if (section is not null)
        {
            options.Bind(section.GetSection(HistoryDefaults.SectionName));
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HistoryOptions>, HistoryOptionsValidator>());
        return services;
    }
}
