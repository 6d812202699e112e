using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Resilience.Tests.EnvironmentOnly;
using Resilience.Tests.FallbackStore;
using Resilience.Tests.S3rver;

namespace Resilience.Storage.S3.Tests;

/// <summary>
/// A gateway set up as the reference sets one up: environment variables alone (storage URI, import on, export on,
/// <c>AWS_*</c>), on the host the gateway sample builds (<c>Host.CreateApplicationBuilder</c> reads the environment;
/// <c>AddDataPlaneResilience(configuration.GetSection("Resilience")).UseS3FallbackStore()</c>, nothing else).
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class EnvironmentOnlySetUpTests(S3rverFixture fixture) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task A_gateway_set_up_by_environment_variables_alone_exports_and_a_new_one_imports_from_a_directory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "resilience-env-store-" + Guid.NewGuid().ToString("N"));
        try
        {
            await ExportThenImportAsync(new Uri(directory + "/").AbsoluteUri, new Dictionary<string, string?>());
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_gateway_set_up_by_environment_variables_alone_exports_and_a_new_one_imports_from_s3()
    {
        await ExportThenImportAsync(fixture.NewStorageUri(), new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = S3rverServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = S3rverServer.SecretKey,
            ["AWS_REGION"] = "us-east-2",
            [S3FallbackStoreOptions.EndpointEnvironmentVariable] = fixture.Server.Endpoint,
        });
    }

    [Fact]
    public async Task Resilience__FallbackStore__S3__Endpoint_in_the_environment_is_honoured_with_no_code()
    {
        var storage = fixture.NewStorageUri();
        using var environment = new EnvironmentScope(new Dictionary<string, string?>
        {
            ["Resilience__DataDirectory"] = Path.Combine(Path.GetTempPath(), "resilience-env-" + Guid.NewGuid().ToString("N")),
            ["Resilience__FallbackStore__Storage"] = storage,
            ["Resilience__FallbackStore__S3__Endpoint"] = fixture.Server.Endpoint,
            ["AWS_ACCESS_KEY_ID"] = S3rverServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = S3rverServer.SecretKey,
            ["AWS_REGION"] = "us-east-1",
        });
        using var host = BuildGateway(out _);

        Assert.Equal(fixture.Server.Endpoint, host.Services.GetRequiredService<IOptions<S3FallbackStoreOptions>>().Value.Endpoint);
        var store = host.Services.GetRequiredService<FallbackStoreResolver>().Store!;
        await store.PutAsync("k", "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        Assert.NotNull(await store.GetAsync("k", 1024, CancellationToken.None));
    }

    [Fact]
    public async Task The_reference_variable_names_are_reported_when_they_would_be_ignored()
    {
        using var environment = new EnvironmentScope(new Dictionary<string, string?>
        {
            ["Resilience__DataDirectory"] = Path.Combine(Path.GetTempPath(), "resilience-env-" + Guid.NewGuid().ToString("N")),
            ["KONG_CLUSTER_FALLBACK_CONFIG_STORAGE"] = "s3://test-bucket/test-prefix",
            ["KONG_CLUSTER_FALLBACK_CONFIG_IMPORT"] = "on",
            ["KONG_CLUSTER_FALLBACK_CONFIG_EXPORT"] = "off",
        });
        using var host = BuildGateway(out var logs);

        await host.StartAsync();
        await host.StopAsync();

        var warnings = logs.GetSnapshot().Where(r => r.Id.Id == 1200).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Level == LogLevel.Warning && w.Message.Contains("KONG_CLUSTER_FALLBACK_CONFIG_STORAGE", StringComparison.Ordinal) && w.Message.Contains("Resilience__FallbackStore__Storage", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("KONG_CLUSTER_FALLBACK_CONFIG_IMPORT", StringComparison.Ordinal) && w.Message.Contains("Resilience__FallbackStore__Import", StringComparison.Ordinal));

        // EXPORT=off agrees with what is in force (export off): nothing to report.
        Assert.DoesNotContain(warnings, w => w.Message.Contains("KONG_CLUSTER_FALLBACK_CONFIG_EXPORT", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("on", "OFF", true, false)]
    [InlineData("true", "false", true, false)]
    [InlineData("Off", "On", false, true)]
    [InlineData("False", "TRUE", false, true)]
    public void The_import_and_export_switches_read_on_off_and_true_false(string import, string export, bool expectedImport, bool expectedExport)
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Resilience:FallbackStore:Storage"] = "file:///tmp/store",
            ["Resilience:FallbackStore:Import"] = import,
            ["Resilience:FallbackStore:Export"] = export,
        });

        Assert.Equal(expectedImport, options.Import);
        Assert.Equal(expectedExport, options.Export);
        Assert.Equal("file:///tmp/store", options.Storage);
    }

    [Fact]
    public void Any_other_switch_value_fails_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Bind(new Dictionary<string, string?> { ["Resilience:FallbackStore:Import"] = "maybe" }));

        Assert.Contains("Resilience:FallbackStore:Import", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_endpoint_comes_from_AWS_CONFIG_STORAGE_ENDPOINT_when_not_configured()
    {
        using var environment = new EnvironmentScope(new Dictionary<string, string?> { [S3FallbackStoreOptions.EndpointEnvironmentVariable] = fixture.Server.Endpoint });
        var options = fixture.Options();
        options.Endpoint = null;
        var store = S3rverFixture.CreateStore(fixture.NewStorageUri(), options);

        await store.PutAsync("k", "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        Assert.NotNull(await store.GetAsync("k", 1024, CancellationToken.None));
    }

    private static FallbackStoreOptions Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(configuration.GetSection("Resilience"));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<FallbackStoreOptions>>().Value;
    }

    private static IHost BuildGateway(out FakeLogCollector logs) => EnvironmentOnlyGateway.Build(b => b.UseS3FallbackStore(), out logs);

    private static Task ExportThenImportAsync(string storage, Dictionary<string, string?> storeVariables) =>
        EnvironmentOnlyGateway.ExportThenImportAsync(storage, "S3", storeVariables, b => b.UseS3FallbackStore());
}
