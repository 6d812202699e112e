using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Resilience.Tests.EnvironmentOnly;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.Azure.Tests;

/// <summary>
/// A gateway set up by environment variables alone (storage URI, import, export, <c>AZURE_STORAGE_CONNECTION_STRING</c>),
/// on the host the gateway sample builds: <c>AddDataPlaneResilience(configuration.GetSection("Resilience")).UseAzureFallbackStore()</c>.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class EnvironmentOnlySetUpTests(AzuriteFixture fixture) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task A_gateway_set_up_by_environment_variables_alone_exports_and_a_new_one_imports_from_azure() =>
        await EnvironmentOnlyGateway.ExportThenImportAsync(
            fixture.NewStorageUri(),
            "Azure",
            new Dictionary<string, string?> { [AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable] = fixture.Server.ConnectionString },
            b => b.UseAzureFallbackStore());

    [Fact]
    public async Task Resilience__FallbackStore__Azure__ConnectionString_wins_over_the_Azure_variable_and_the_log_says_so()
    {
        using var environment = new EnvironmentScope(new Dictionary<string, string?>
        {
            [AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable] = "UseDevelopmentStorage=true",
            ["Resilience__DataDirectory"] = Path.Combine(Path.GetTempPath(), "resilience-env-" + Guid.NewGuid().ToString("N")),
            ["Resilience__FallbackStore__Storage"] = fixture.NewStorageUri(),
            ["Resilience__FallbackStore__Azure__ConnectionString"] = fixture.Server.ConnectionString,
        });
        using var host = BuildGateway(out var logs);

        Assert.Equal(fixture.Server.ConnectionString, host.Services.GetRequiredService<IOptions<AzureFallbackStoreOptions>>().Value.ConnectionString);
        var store = host.Services.GetRequiredService<FallbackStoreResolver>().Store!;
        await store.PutAsync("k", "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        Assert.NotNull(await store.GetAsync("k", 1024, CancellationToken.None));
        var ignored = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 3352);
        Assert.Equal(LogLevel.Warning, ignored.Level);
        Assert.Contains(AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable, ignored.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey=", string.Join("\n", logs.GetSnapshot().Select(r => r.Message)), StringComparison.Ordinal);
    }

    private static IHost BuildGateway(out FakeLogCollector logs) => EnvironmentOnlyGateway.Build(b => b.UseAzureFallbackStore(), out logs);
}
