using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience;

/// <summary>Binds the health check's options; <c>AddDataPlaneCheck</c> registers the check and validates them.</summary>
internal static class DataPlaneHealthServiceCollectionExtensions
{
    /// <summary>The sub-section of the chain's section that binds <see cref="DataPlaneHealthOptions"/>.</summary>
    public const string SectionName = "Health";

    /// <summary>Binds the <c>Health</c> section (every call of <c>AddDataPlaneResilience</c> with a section).</summary>
    public static IServiceCollection ConfigureDataPlaneHealth(this IServiceCollection services, IConfiguration? section)
    {
        if (section is not null)
        {
            services.AddOptions<DataPlaneHealthOptions>().Bind(section.GetSection(SectionName));
        }

        return services;
    }
}
