using Azure.Core;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Resilience.Tests.Azurite;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.Azure.Tests;

/// <summary>What the Azure store does beyond the shared suite, on a real Azurite: versions, conditional writes, metadata, integrity, credentials.</summary>
public sealed class AzureFallbackStoreTests(AzuriteFixture fixture) : IClassFixture<AzuriteFixture>
{
    private const string Key = "3.6.0.0/config.json";
    private static readonly Dictionary<string, string> NoMetadata = new();

    [Fact]
    public async Task Reads_and_listings_carry_the_ETag_as_the_version()
    {
        var store = fixture.CreateStore(fixture.NewStorageUri());
        await store.PutAsync(Key, "{\"v\":1}"u8.ToArray(), NoMetadata, CancellationToken.None);

        var read = await store.GetAsync(Key, 1024, CancellationToken.None);
        var listed = Assert.Single(await store.ListAsync("3.6.0.0/", CancellationToken.None));
        await store.PutAsync(Key, "{\"v\":2}"u8.ToArray(), NoMetadata, CancellationToken.None);
        var replaced = await store.GetAsync(Key, 1024, CancellationToken.None);

        Assert.False(string.IsNullOrEmpty(read!.Version));
        Assert.Equal(read.Version, listed.Version);
        Assert.NotEqual(read.Version, replaced!.Version);
    }

    [Fact]
    public async Task A_conditional_write_without_a_version_creates_only_a_missing_object()
    {
        var store = (IConditionalFallbackStore)fixture.CreateStore(fixture.NewStorageUri());

        Assert.True(await store.TryPutAsync(Key, "{\"v\":1}"u8.ToArray(), NoMetadata, expectedVersion: null, CancellationToken.None));
        Assert.False(await store.TryPutAsync(Key, "{\"v\":2}"u8.ToArray(), NoMetadata, expectedVersion: null, CancellationToken.None));

        Assert.Equal("{\"v\":1}"u8.ToArray(), (await store.GetAsync(Key, 1024, CancellationToken.None))!.Content.ToArray());
    }

    [Fact]
    public async Task A_conditional_write_succeeds_on_the_version_read_and_fails_once_someone_else_wrote()
    {
        var storage = fixture.NewStorageUri();
        var store = (IConditionalFallbackStore)fixture.CreateStore(storage);
        var other = fixture.CreateStore(storage);
        await store.PutAsync(Key, "{\"v\":1}"u8.ToArray(), NoMetadata, CancellationToken.None);
        var read = await store.GetAsync(Key, 1024, CancellationToken.None);

        Assert.True(await store.TryPutAsync(Key, "{\"v\":2}"u8.ToArray(), NoMetadata, read!.Version, CancellationToken.None));
        var second = await store.GetAsync(Key, 1024, CancellationToken.None);
        await other.PutAsync(Key, "{\"v\":3}"u8.ToArray(), NoMetadata, CancellationToken.None);
        Assert.False(await store.TryPutAsync(Key, "{\"v\":4}"u8.ToArray(), NoMetadata, second!.Version, CancellationToken.None));

        Assert.Equal("{\"v\":3}"u8.ToArray(), (await store.GetAsync(Key, 1024, CancellationToken.None))!.Content.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Racing_conditional_writers_exactly_one_wins(bool objectExists)
    {
        var storage = fixture.NewStorageUri();
        var writers = Enumerable.Range(0, 8).Select(_ => (IConditionalFallbackStore)fixture.CreateStore(storage)).ToList();
        string? version = null;
        if (objectExists)
        {
            await writers[0].PutAsync(Key, "{\"v\":0}"u8.ToArray(), NoMetadata, CancellationToken.None);
            version = (await writers[0].GetAsync(Key, 1024, CancellationToken.None))!.Version;
        }

        using var start = new ManualResetEventSlim();
        var attempts = writers.Select((writer, i) => Task.Run(async () =>
        {
            start.Wait();
            return await writer.TryPutAsync(Key, System.Text.Encoding.UTF8.GetBytes($"{{\"writer\":{i}}}"), new Dictionary<string, string> { ["exporter-node-id"] = $"writer-{i}" }, version, CancellationToken.None);
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(Enumerable.Range(0, writers.Count), i => results[i]);
        var stored = await writers[0].GetAsync(Key, 1024, CancellationToken.None);
        Assert.Equal($"{{\"writer\":{winner}}}", System.Text.Encoding.UTF8.GetString(stored!.Content.Span));
        Assert.Equal($"writer-{winner}", stored.Metadata["exporter-node-id"]);
    }

    [Fact]
    public async Task Metadata_names_are_stored_as_Azure_identifiers_and_read_back_as_written()
    {
        var storage = fixture.NewStorageUri();
        var store = fixture.CreateStore(storage);
        var metadata = new Dictionary<string, string>
        {
            ["exporter-node-id"] = "node-1",
            ["config-hash"] = "abc",
            ["config-signature"] = "c2ln",
            ["under_score"] = "u",
            ["9starts-with-a-digit"] = "d",
        };

        await store.PutAsync(Key, "{}"u8.ToArray(), metadata, CancellationToken.None);
        var read = await store.GetAsync(Key, 1024, CancellationToken.None);

        Assert.Equal(metadata.OrderBy(p => p.Key), read!.Metadata.OrderBy(p => p.Key));
        var raw = await fixture.RawContainer().GetBlobClient(StorageLocation.Parse(new Uri(storage), "container", "azure").ObjectKey(Key)).GetPropertiesAsync();
        Assert.All(raw.Value.Metadata.Keys, name => Assert.True(IsIdentifier(name), $"'{name}' is not a C# identifier"));
        Assert.Contains("config_002dhash", raw.Value.Metadata.Keys);
    }

    [Fact]
    public async Task A_blob_placed_by_hand_with_plain_metadata_names_reads_them_as_they_are()
    {
        var storage = fixture.NewStorageUri();
        var blob = fixture.RawContainer().GetBlobClient(StorageLocation.Parse(new Uri(storage), "container", "azure").ObjectKey(Key));
        await blob.UploadAsync(BinaryData.FromString("{\"by\":\"hand\"}"), new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["owner"] = "ops", ["odd_name"] = "x" } });

        var read = await fixture.CreateStore(storage).GetAsync(Key, 1024, CancellationToken.None);

        Assert.Equal("ops", read!.Metadata["owner"]);
        Assert.Equal("x", read.Metadata["odd_name"]);
    }

    [Fact]
    public async Task A_download_that_does_not_match_its_Content_MD5_is_read_again_and_fails_as_transient()
    {
        var storage = fixture.NewStorageUri();
        var options = fixture.Options();
        options.MaxRetryAttempts = 2;
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        var store = AzuriteFixture.CreateStore(storage, options);
        await store.PutAsync(Key, "{\"v\":1}"u8.ToArray(), NoMetadata, CancellationToken.None);
        var blob = fixture.RawContainer().GetBlobClient(StorageLocation.Parse(new Uri(storage), "container", "azure").ObjectKey(Key));
        await blob.SetHttpHeadersAsync(new BlobHttpHeaders { ContentType = "application/json", ContentHash = new byte[16] });

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync(Key, 1024, CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Contains("Content-MD5", error.Message, StringComparison.Ordinal);
        Assert.Contains("after retries", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_container_fails_at_once_with_a_clear_message()
    {
        await using var proxy = new FaultInjectingProxy(fixture.Server.Port);
        var options = new AzureFallbackStoreOptions { ConnectionString = AzuriteServer.ConnectionStringFor(proxy.Port), MaxRetryAttempts = 5 };
        var store = AzuriteFixture.CreateStore("azure://no-such-container/prefix", options);

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync(Key, 1024, CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("the container 'no-such-container' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("azure://no-such-container/prefix/3.6.0.0/config.json", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Relayed);
    }

    [Fact]
    public async Task A_wrong_account_key_is_access_denied_at_once_and_the_key_is_not_in_the_message()
    {
        const string wrongKey = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ==";
        var options = new AzureFallbackStoreOptions { AccountName = AzuriteServer.AccountName, Endpoint = fixture.Server.Endpoint, AccountKey = wrongKey, MaxRetryAttempts = 5 };
        var store = AzuriteFixture.CreateStore(fixture.NewStorageUri(), options);

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync(Key, 1024, CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("access denied", error.Message, StringComparison.Ordinal);
        Assert.Contains("the configured AccountKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_account_name_endpoint_and_key_reach_the_account()
    {
        var options = new AzureFallbackStoreOptions { AccountName = AzuriteServer.AccountName, Endpoint = fixture.Server.Endpoint, AccountKey = AzuriteServer.AccountKey };

        await RoundTripAsync(AzuriteFixture.CreateStore(fixture.NewStorageUri(), options));
    }

    [Fact]
    public async Task An_account_SAS_URI_reaches_the_account()
    {
        var sas = new global::Azure.Storage.Blobs.BlobServiceClient(fixture.Server.ConnectionString)
            .GenerateAccountSasUri(AccountSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1), AccountSasResourceTypes.All);

        await RoundTripAsync(AzuriteFixture.CreateStore(fixture.NewStorageUri(), new AzureFallbackStoreOptions { SasUri = sas.AbsoluteUri }));
    }

    [Fact]
    public async Task A_container_SAS_URI_reaches_its_container_and_is_refused_for_another()
    {
        var sas = fixture.RawContainer().GenerateSasUri(BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1));

        await RoundTripAsync(AzuriteFixture.CreateStore(fixture.NewStorageUri(), new AzureFallbackStoreOptions { SasUri = sas.AbsoluteUri }));
        var error = Assert.Throws<FallbackStoreException>(() => AzuriteFixture.CreateStore("azure://other-container/p", new AzureFallbackStoreOptions { SasUri = sas.AbsoluteUri }));
        Assert.Contains("'resilience-test', not 'other-container'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_SAS_fails_writes_at_once_as_access_denied()
    {
        var sas = fixture.RawContainer().GenerateSasUri(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List, DateTimeOffset.UtcNow.AddHours(1));
        var store = AzuriteFixture.CreateStore(fixture.NewStorageUri(), new AzureFallbackStoreOptions { SasUri = sas.AbsoluteUri, MaxRetryAttempts = 5 });

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.PutAsync(Key, "{}"u8.ToArray(), NoMetadata, CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("access denied", error.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetAsync(Key, 1024, CancellationToken.None));
    }

    [Fact]
    public async Task A_BlobServiceClient_registered_in_the_container_is_used()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new global::Azure.Storage.Blobs.BlobServiceClient(fixture.Server.ConnectionString));

        // No account in the store's options: only the registered client can reach Azurite.
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.GetTempPath()).UseAzureFallbackStore();
        services.Configure<FallbackStoreOptions>(o => o.Storage = fixture.NewStorageUri());
        using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<FallbackStoreResolver>().Store;

        Assert.IsType<AzureFallbackStore>(store);
        await RoundTripAsync(store);
    }

    [Fact]
    public void A_token_credential_over_plain_http_is_refused_before_any_request()
    {
        var options = new AzureFallbackStoreOptions { Endpoint = fixture.Server.Endpoint, Credential = new FixedTokenCredential() };

        var invalid = new AzureFallbackStoreOptionsValidator().Validate(null, options);
        var error = Assert.Throws<FallbackStoreException>(() => AzuriteFixture.CreateStore(fixture.NewStorageUri(), options));

        Assert.True(invalid.Failed);
        Assert.Contains("needs https://", invalid.FailureMessage, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
        Assert.Contains("HTTPS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_account_name_alone_uses_DefaultAzureCredential_against_the_public_endpoint()
    {
        var location = StorageLocation.Parse(new Uri("azure://gateway/prod"), "container", "azure");

        var configured = AzureContainerClientFactory.Create(new AzureFallbackStoreOptions { AccountName = "contoso" }, location, null, _ => null);
        var fromEnvironment = AzureContainerClientFactory.Create(new AzureFallbackStoreOptions(), location, null, v => v == AzureFallbackStoreOptions.AccountNameEnvironmentVariable ? "fabrikam" : null);

        Assert.Equal("DefaultAzureCredential", configured.Source);
        Assert.Equal(new Uri("https://contoso.blob.core.windows.net/gateway"), configured.Container.Uri);
        Assert.StartsWith("DefaultAzureCredential", fromEnvironment.Source, StringComparison.Ordinal);
        Assert.Equal(new Uri("https://fabrikam.blob.core.windows.net/gateway"), fromEnvironment.Container.Uri);
    }

    [Fact]
    public void Configured_settings_win_over_AZURE_STORAGE_CONNECTION_STRING_and_say_so()
    {
        var location = StorageLocation.Parse(new Uri("azure://gateway/prod"), "container", "azure");
        string? Environment(string name) => name == AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable ? fixture.Server.ConnectionString : null;

        var configured = AzureContainerClientFactory.Create(new AzureFallbackStoreOptions { AccountName = "contoso" }, location, null, Environment);
        var fromEnvironment = AzureContainerClientFactory.Create(new AzureFallbackStoreOptions(), location, null, Environment);

        Assert.Equal(AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable, configured.IgnoredVariable);
        Assert.Null(fromEnvironment.IgnoredVariable);
        Assert.Equal(new Uri(fixture.Server.Endpoint + "/gateway"), fromEnvironment.Container.Uri);
    }

    [Fact]
    public async Task No_account_anywhere_turns_the_tier_off_with_a_clear_error_and_the_node_still_starts()
    {
        var error = Assert.Throws<FallbackStoreException>(() => AzuriteFixture.CreateStore("azure://gateway/prod", new AzureFallbackStoreOptions()));
        Assert.Contains(AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable, error.Message, StringComparison.Ordinal);

        await using var node = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "no-account", Storage = "azure://gateway/prod", Import = true, Yaml = "routes: []\n", Link = new UnreachableControlPlaneLink(),
            UseStore = b => b.UseAzureFallbackStore(o => o.ConnectionString = null),
            ConfigureServices = s => s.AddFakeLogging(),
        });
        await node.WaitForStartupAsync();

        Assert.Equal(ConfigOrigin.Declarative, node.DataPlane.Current?.Origin);
        Assert.Contains(node.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 3004);
    }

    [Theory]
    [InlineData("azure://Upper/p")]
    [InlineData("azure://ab/p")]
    [InlineData("azure://double--hyphen/p")]
    [InlineData("azure://container/p?sv=2024&sig=secret")]
    [InlineData("azure:///p")]
    public void A_storage_uri_without_a_valid_container_is_refused_before_any_request(string uri)
    {
        var error = Assert.ThrowsAny<Exception>(() => AzuriteFixture.CreateStore(uri, fixture.Options()));

        Assert.True(error is ArgumentException or FallbackStoreException, error.ToString());
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("azure://gateway/prod", "gateway", "prod")]
    [InlineData("azure://gateway/a/b/", "gateway", "a/b")]
    [InlineData("azure://gateway", "gateway", "")]
    [InlineData("AZURE://gateway-2/p", "gateway-2", "p")]
    public void The_storage_uri_names_container_and_prefix(string uri, string container, string prefix)
    {
        var store = AzuriteFixture.CreateStore(uri, fixture.Options());
        var location = StorageLocation.Parse(new Uri(uri), "container", "azure");

        Assert.Equal(container, location.Container);
        Assert.Equal(prefix, location.Prefix);
        Assert.Equal(prefix.Length == 0 ? $"azure://{container}" : $"azure://{container}/{prefix}", store.Description);
    }

    [Fact]
    public void Storage_uri_selects_the_azure_store_and_calling_use_twice_is_harmless()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.GetTempPath()).UseAzureFallbackStore(o => fixture.Configure(o)).UseAzureFallbackStore();
        services.Configure<FallbackStoreOptions>(o => o.Storage = "azure://gateway/prod");
        using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<IFallbackStoreFactory>(), f => f.Scheme == "azure");
        var store = provider.GetRequiredService<FallbackStoreResolver>().Store;
        Assert.IsType<AzureFallbackStore>(store);
        Assert.Equal("azure://gateway/prod", store.Description);
        Assert.Equal(new FallbackStoreRetryOptionsDefaults().TotalTimeout, ((IRetryingFallbackStore)store).RetryBudget);
    }

    [Fact]
    public void Options_bind_from_FallbackStore_Azure_of_the_resilience_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resilience:DataDirectory"] = Path.GetTempPath(),
            ["Resilience:FallbackStore:Azure:AccountName"] = "contoso",
            ["Resilience:FallbackStore:Azure:Endpoint"] = "https://contoso.blob.core.usgovcloudapi.net",
            ["Resilience:FallbackStore:Azure:ListPageSize"] = "100",
            ["Resilience:FallbackStore:Azure:TotalTimeout"] = "00:00:20",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(configuration.GetSection("Resilience")).UseAzureFallbackStore(o => o.MaxRetryAttempts = 2);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<AzureFallbackStoreOptions>>().Value;

        Assert.Equal("contoso", options.AccountName);
        Assert.Equal("https://contoso.blob.core.usgovcloudapi.net", options.Endpoint);
        Assert.Equal(100, options.ListPageSize);
        Assert.Equal(TimeSpan.FromSeconds(20), options.TotalTimeout);
        Assert.Equal(2, options.MaxRetryAttempts);
    }

    [Theory]
    [InlineData("ConnectionString=UseDevelopmentStorage=true", "AccountName=contoso")]
    [InlineData("SasUri=https://contoso.blob.core.windows.net/?sv=1", null)]
    [InlineData("SasUri=not a url", null)]
    [InlineData("AccountKey=a2V5", null)]
    [InlineData("AccountName=contoso", "AccountKey=not base64!")]
    [InlineData("Endpoint=ftp://contoso", null)]
    [InlineData("Endpoint=http://127.0.0.1:10000/devstoreaccount1", null)]
    [InlineData("AttemptTimeout=00:01:00", "TotalTimeout=00:00:30")]
    [InlineData("ListPageSize=0", null)]
    public async Task Invalid_options_fail_at_start_up_naming_the_setting_not_the_secret(string first, string? second)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var pair in new[] { first, second }.OfType<string>())
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            settings["Resilience:FallbackStore:Azure:" + pair[..equals]] = pair[(equals + 1)..];
        }

        settings["Resilience:DataDirectory"] = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDataPlaneResilience(builder.Configuration.GetSection("Resilience")).UseAzureFallbackStore();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.DoesNotContain("a2V5", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sv=1", error.Message, StringComparison.Ordinal);
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static async Task RoundTripAsync(IFallbackStore store)
    {
        await store.PutAsync(Key, "{\"round\":\"trip\"}"u8.ToArray(), new Dictionary<string, string> { ["config-hash"] = "h" }, CancellationToken.None);
        var read = await store.GetAsync(Key, 1024, CancellationToken.None);
        Assert.Equal("{\"round\":\"trip\"}"u8.ToArray(), read!.Content.ToArray());
        Assert.Equal("h", read.Metadata["config-hash"]);
        Assert.Single(await store.ListAsync("3.6.0.0/", CancellationToken.None));
        await store.DeleteAsync(Key, CancellationToken.None);
        Assert.Null(await store.GetAsync(Key, 1024, CancellationToken.None));
    }

    /// <summary>A Microsoft Entra ID credential stand-in: hands out a fixed token.</summary>
    private sealed class FixedTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new("token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    private sealed class FallbackStoreRetryOptionsDefaults : FallbackStoreRetryOptions
    {
    }
}
