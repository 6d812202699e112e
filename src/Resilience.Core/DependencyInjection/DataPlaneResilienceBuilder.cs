using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

internal sealed class DataPlaneResilienceBuilder(IServiceCollection services, IConfiguration? section = null) : IDataPlaneResilienceBuilder
{
    public IServiceCollection Services { get; } = services;

    /// <summary>Gets the section given to <c>AddDataPlaneResilience</c>, if any; packages bind their sub-sections from it.</summary>
    internal IConfiguration? Section { get; } = section;
}
