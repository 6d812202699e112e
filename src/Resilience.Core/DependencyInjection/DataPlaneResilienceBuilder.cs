using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

internal sealed class DataPlaneResilienceBuilder(IServiceCollection services, IConfiguration? section = null) : IDataPlaneResilienceBuilder
{
    public IServiceCollection Services { get; } = services;

    /// <inheritdoc/>
    public IConfiguration? Configuration { get; } = section;
}
