namespace Microsoft.Extensions.DependencyInjection;

internal sealed class DataPlaneResilienceBuilder(IServiceCollection services) : IDataPlaneResilienceBuilder
{
    public IServiceCollection Services { get; } = services;
}
