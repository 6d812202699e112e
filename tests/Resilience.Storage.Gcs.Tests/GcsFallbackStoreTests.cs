using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.Gcs.Tests;

public sealed class GcsFallbackStoreTests(GcsFixture fixture) : IClassFixture<GcsFixture>
{
    private const string Key = "3.6.0.0/config.json";

    private GcsFallbackStoreOptions Fast(int retries = 3)
    {
        var options = fixture.Options();
        options.MaxRetryAttempts = retries;
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        options.MaxRetryDelay = TimeSpan.FromMilliseconds(50);
        return options;
    }

    [Fact]
    public async Task The_service_account_key_is_exchanged_for_a_bearer_token_at_its_token_uri()
    {
        var before = fixture.Server.TokensIssued;
        var store = fixture.CreateStore(fixture.NewStorageUri());

        await store.PutAsync(Key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        await store.GetAsync(Key, 1024, CancellationToken.None);

        Assert.Equal(before + 1, fixture.Server.TokensIssued);
    }

    [Fact]
    public async Task The_service_account_can_come_from_GCP_SERVICE_ACCOUNT()
    {
        var previous = Environment.GetEnvironmentVariable(GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable);
        Environment.SetEnvironmentVariable(GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable, fixture.Server.ServiceAccountJson());
        try
        {
            var store = GcsFixture.CreateStore(fixture.NewStorageUri(), new GcsFallbackStoreOptions { Endpoint = fixture.Server.Endpoint });

            await store.PutAsync(Key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

            Assert.NotNull(await store.GetAsync(Key, 1024, CancellationToken.None));
        }
        finally
        {
            Environment.SetEnvironmentVariable(GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable, previous);
        }
    }

    [Fact]
    public async Task A_key_the_token_endpoint_does_not_trust_fails_at_once_with_a_clear_message()
    {
        var json = JsonNode.Parse(fixture.Server.ServiceAccountJson())!;
        using var other = RSA.Create(2048);
        json["private_key"] = other.ExportPkcs8PrivateKeyPem();
        var options = Fast(retries: 5);
        options.ServiceAccountJson = json.ToJsonString();
        var store = GcsFixture.CreateStore(fixture.NewStorageUri(), options);

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync(Key, 1024, CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("invalid_grant", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_account_json_that_is_not_one_fails_at_once()
    {
        var options = Fast();
        options.ServiceAccountJson = "{\"type\":\"service_account\"}";
        var store = GcsFixture.CreateStore(fixture.NewStorageUri(), options);

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync(Key, 1024, CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("service-account JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listing_follows_page_tokens()
    {
        var options = fixture.Options();
        options.ListPageSize = 2;
        var store = GcsFixture.CreateStore(fixture.NewStorageUri(), options);
        var keys = Enumerable.Range(0, 7).Select(i => FallbackStoreKeys.Election("3.6.0.0", $"node-{i}")).ToList();
        foreach (var key in keys)
        {
            await store.PutAsync(key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        }

        var before = fixture.Server.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/o", StringComparison.Ordinal));
        var listed = await store.ListAsync(FallbackStoreKeys.ElectionPrefix("3.6.0.0"), CancellationToken.None);
        var pages = fixture.Server.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/o", StringComparison.Ordinal)) - before;

        Assert.Equal(keys, listed.Select(i => i.Key).ToList());
        Assert.Equal(4, pages);
    }

    [Fact]
    public async Task Retry_delays_and_the_total_budget_run_on_the_injected_clock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var options = fixture.Options();
        options.MaxRetryAttempts = 20;
        options.RetryBaseDelay = TimeSpan.FromSeconds(2);
        options.MaxRetryDelay = TimeSpan.FromSeconds(8);
        options.AttemptTimeout = TimeSpan.FromSeconds(10);
        options.TotalTimeout = TimeSpan.FromSeconds(30);
        var store = new GcsFallbackStoreFactory(Microsoft.Extensions.Options.Options.Create(options), clock).Create(new Uri(fixture.NewStorageUri()));
        await store.GetAsync(Key, 1024, CancellationToken.None);
        fixture.Server.FailNext(1000, 503);
        try
        {
            var get = store.GetAsync(Key, 1024, CancellationToken.None).AsTask();
            var advanced = TimeSpan.Zero;
            await Eventually.HoldsAsync(
                () =>
                {
                    if (!get.IsCompleted)
                    {
                        clock.Advance(TimeSpan.FromMilliseconds(500));
                        advanced += TimeSpan.FromMilliseconds(500);
                    }

                    return get.IsCompleted;
                },
                "the operation gives up",
                TimeSpan.FromSeconds(20));

            var error = await Assert.ThrowsAsync<FallbackStoreException>(() => get);
            Assert.True(error.IsTransient);
            Assert.InRange(advanced, TimeSpan.FromSeconds(29.5), TimeSpan.FromSeconds(35));
        }
        finally
        {
            fixture.Server.FailNext(0, 0);
        }
    }

    [Fact]
    public async Task Transient_errors_are_retried_a_bounded_number_of_times()
    {
        var store = GcsFixture.CreateStore(fixture.NewStorageUri(), Fast(retries: 3));
        var before = fixture.Server.Requests.Count;
        fixture.Server.FailNext(100, 503);
        try
        {
            var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.PutAsync(Key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None));

            Assert.True(error.IsTransient);
            Assert.Contains("after retries", error.Message, StringComparison.Ordinal);
            Assert.Equal(4, fixture.Server.Requests.Count - before);
        }
        finally
        {
            fixture.Server.FailNext(0, 0);
        }
    }

    [Fact]
    public async Task A_transient_error_then_success_succeeds()
    {
        var store = GcsFixture.CreateStore(fixture.NewStorageUri(), Fast(retries: 3));
        fixture.Server.FailNext(2, 429);

        await store.PutAsync(Key, "{\"ok\":true}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        Assert.Equal("{\"ok\":true}"u8.ToArray(), (await store.GetAsync(Key, 1024, CancellationToken.None))!.Content.ToArray());
    }

    [Fact]
    public async Task Access_denied_fails_at_once_with_a_clear_message()
    {
        var store = GcsFixture.CreateStore(fixture.NewStorageUri(), Fast(retries: 5));
        await store.GetAsync(Key, 1024, CancellationToken.None);
        var before = fixture.Server.Requests.Count;
        fixture.Server.FailNext(1, 403);

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync(Key, 1024, CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("access denied", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, fixture.Server.Requests.Count - before);
    }

    [Fact]
    public async Task A_missing_bucket_fails_at_once_with_a_clear_message()
    {
        var store = GcsFixture.CreateStore("gcs://no-such-bucket/prefix", Fast(retries: 5));

        var get = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync(Key, 1024, CancellationToken.None));
        var list = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.ListAsync("3.6.0.0/", CancellationToken.None));

        Assert.False(get.IsTransient);
        Assert.Contains("the bucket 'no-such-bucket' does not exist", get.Message, StringComparison.Ordinal);
        Assert.False(list.IsTransient);
    }

    [Fact]
    public async Task Retries_stop_within_the_total_budget_when_the_server_never_answers()
    {
        await using var server = ScriptedHttpServer.Hang();
        var clock = new FakeTimeProvider();
        var options = new GcsFallbackStoreOptions
        {
            Endpoint = server.Endpoint,
            Credential = GoogleCredential.FromAccessToken("token"),
            MaxRetryAttempts = 20,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            AttemptTimeout = TimeSpan.FromMilliseconds(300),
            TotalTimeout = TimeSpan.FromSeconds(1),
        };
        var store = new GcsFallbackStoreFactory(Microsoft.Extensions.Options.Options.Create(options), clock).Create(new Uri("gcs://bucket/prefix"));

        var get = store.GetAsync(Key, 1024, CancellationToken.None).AsTask();
        var advanced = await ClockDriver.AdvanceUntilDoneAsync(clock, get, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<FallbackStoreException>(() => get);
        Assert.True(error.IsTransient);
        Assert.Contains("budget", error.Message, StringComparison.Ordinal);
        // By the injected clock, the operation ends at its 1 s budget (to within the driver's steps), not after 20 retries.
        Assert.InRange(advanced, TimeSpan.FromSeconds(0.95), TimeSpan.FromSeconds(1.5));
        Assert.InRange(server.Requests.Count, 2, 5);
    }

    [Fact]
    public async Task Uploads_go_through_a_resumable_session_of_the_official_client()
    {
        var store = fixture.CreateStore(fixture.NewStorageUri());
        var before = fixture.Server.Requests.Count;

        await store.PutAsync(Key, "{\"v\":1}"u8.ToArray(), new Dictionary<string, string> { ["exporter"] = "node-1" }, CancellationToken.None);

        var requests = fixture.Server.Requests.Skip(before).ToList();
        Assert.Contains(requests, r => r.Method == "POST" && r.Query.Contains("uploadType=resumable", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Method == "PUT" && r.Query.Contains("upload_id=", StringComparison.Ordinal));
        var read = await store.GetAsync(Key, 1024, CancellationToken.None);
        Assert.Equal("node-1", read!.Metadata["exporter"]);
    }

    [Fact]
    public async Task A_download_that_does_not_match_its_hash_is_read_again()
    {
        var store = GcsFixture.CreateStore(fixture.NewStorageUri(), Fast(retries: 3));
        await store.PutAsync(Key, "{\"v\":1}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        fixture.Server.CorruptNextDownloads(1);

        var read = await store.GetAsync(Key, 1024, CancellationToken.None);

        Assert.Equal("{\"v\":1}"u8.ToArray(), read!.Content.ToArray());
    }

    [Fact]
    public async Task A_download_that_never_matches_its_hash_fails_after_retries()
    {
        var store = GcsFixture.CreateStore(fixture.NewStorageUri(), Fast(retries: 2));
        await store.PutAsync(Key, "{\"v\":1}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        fixture.Server.CorruptNextDownloads(100);
        try
        {
            var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync(Key, 1024, CancellationToken.None));

            Assert.True(error.IsTransient);
            Assert.Contains("after retries", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Server.CorruptNextDownloads(0);
        }
    }

    [Fact]
    public async Task Reads_carry_the_generation_as_the_version()
    {
        var store = fixture.CreateStore(fixture.NewStorageUri());
        await store.PutAsync(Key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        var read = await store.GetAsync(Key, 1024, CancellationToken.None);
        var listed = Assert.Single(await store.ListAsync("3.6.0.0/", CancellationToken.None));

        Assert.NotNull(read!.Version);
        Assert.True(long.Parse(read.Version, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(read.Version, listed.Version);
    }

    [Fact]
    public async Task A_conditional_write_without_a_version_creates_only_a_missing_object()
    {
        var store = (IConditionalFallbackStore)fixture.CreateStore(fixture.NewStorageUri());

        Assert.True(await store.TryPutAsync(Key, "{\"v\":1}"u8.ToArray(), new Dictionary<string, string>(), expectedVersion: null, CancellationToken.None));
        Assert.False(await store.TryPutAsync(Key, "{\"v\":2}"u8.ToArray(), new Dictionary<string, string>(), expectedVersion: null, CancellationToken.None));

        Assert.Equal("{\"v\":1}"u8.ToArray(), (await store.GetAsync(Key, 1024, CancellationToken.None))!.Content.ToArray());
    }

    [Fact]
    public async Task A_conditional_write_succeeds_on_the_version_read_and_fails_once_someone_else_wrote()
    {
        var storage = fixture.NewStorageUri();
        var store = (IConditionalFallbackStore)fixture.CreateStore(storage);
        var other = fixture.CreateStore(storage);
        await store.PutAsync(Key, "{\"v\":1}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        var read = await store.GetAsync(Key, 1024, CancellationToken.None);

        Assert.True(await store.TryPutAsync(Key, "{\"v\":2}"u8.ToArray(), new Dictionary<string, string>(), read!.Version, CancellationToken.None));
        var second = await store.GetAsync(Key, 1024, CancellationToken.None);
        await other.PutAsync(Key, "{\"v\":3}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        Assert.False(await store.TryPutAsync(Key, "{\"v\":4}"u8.ToArray(), new Dictionary<string, string>(), second!.Version, CancellationToken.None));

        Assert.Equal("{\"v\":3}"u8.ToArray(), (await store.GetAsync(Key, 1024, CancellationToken.None))!.Content.ToArray());
        Assert.Contains(fixture.Server.Requests, r => r.Method == "POST" && r.Query.Contains($"ifGenerationMatch={second.Version}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_StorageClient_registered_in_the_container_is_used()
    {
        var credential = CredentialFactory.FromJson<ServiceAccountCredential>(fixture.Server.ServiceAccountJson()).ToGoogleCredential().CreateScoped(GcsFallbackStoreOptions.Scope);
        var client = await new StorageClientBuilder { GoogleCredential = credential, BaseUri = fixture.Server.Endpoint + "/storage/v1/", UseJwtAccessWithScopes = false }.BuildAsync();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(client);

        // No endpoint and no credentials in the options: only the registered client can reach the test server.
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.GetTempPath()).UseGcsFallbackStore();
        services.Configure<FallbackStoreOptions>(o => o.Storage = fixture.NewStorageUri());
        using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<FallbackStoreResolver>().Store!;
        await store.PutAsync(Key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        Assert.NotNull(await store.GetAsync(Key, 1024, CancellationToken.None));

        // The container owns the client: disposing the store leaves it usable.
        ((IDisposable)store).Dispose();
        var missing = await Assert.ThrowsAsync<Google.GoogleApiException>(() => client.GetObjectAsync(GcsFixture.Bucket, "missing"));
        Assert.Equal(HttpStatusCode.NotFound, missing.HttpStatusCode);
    }

    [Fact]
    public async Task Options_bind_from_FallbackStore_Gcs_of_the_resilience_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resilience:DataDirectory"] = Path.GetTempPath(),
            ["Resilience:FallbackStore:Gcs:Endpoint"] = "http://127.0.0.1:1/",
            ["Resilience:FallbackStore:Gcs:ListPageSize"] = "7",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(configuration.GetSection("Resilience")).UseGcsFallbackStore();
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<GcsFallbackStoreOptions>>().Value;

        Assert.Equal("http://127.0.0.1:1/", options.Endpoint);
        Assert.Equal(7, options.ListPageSize);
    }

    [Fact]
    public async Task The_test_server_refuses_requests_without_a_bearer_token()
    {
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri($"{fixture.Server.Endpoint}/storage/v1/b/{GcsFixture.Bucket}/o"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"reason\":\"required\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_test_server_enforces_ifGenerationMatch()
    {
        var storage = fixture.NewStorageUri();
        var store = fixture.CreateStore(storage);
        await store.PutAsync(Key, "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        var credential = CredentialFactory.FromJson<ServiceAccountCredential>(fixture.Server.ServiceAccountJson()).ToGoogleCredential().CreateScoped(GcsFallbackStoreOptions.Scope);
        var token = await ((ITokenAccess)credential).GetAccessTokenForRequestAsync();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var name = Uri.EscapeDataString(StorageLocation.Parse(new Uri(storage), "bucket", "gcs").ObjectKey(Key));

        using var response = await http.GetAsync(new Uri($"{fixture.Server.Endpoint}/storage/v1/b/{GcsFixture.Bucket}/o/{name}?alt=media&ifGenerationMatch=1"));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Contains("conditionNotMet", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gcs://bucket/prefix", "bucket", "prefix")]
    [InlineData("gcs://bucket/a/b/", "bucket", "a/b")]
    [InlineData("gcs://bucket", "bucket", "")]
    [InlineData("gcs://my_bucket.example.com/p", "my_bucket.example.com", "p")]
    [InlineData("gs://bucket/a/b/", "bucket", "a/b")]
    [InlineData("GS://bucket", "bucket", "")]
    public void The_storage_uri_names_bucket_and_prefix(string uri, string bucket, string prefix)
    {
        var location = StorageLocation.Parse(new Uri(uri), "bucket", "gcs", "gs");

        Assert.Equal(bucket, location.Container);
        Assert.Equal(prefix, location.Prefix);
    }

    [Theory]
    [InlineData("gcs://bucket/prefix?X-Goog-Signature=secret")]
    [InlineData("gs:///prefix")]
    [InlineData("s3://bucket/prefix")]
    public void A_storage_uri_that_names_no_bucket_or_carries_a_query_is_refused_without_echoing_the_query(string uri)
    {
        var error = Assert.Throws<ArgumentException>(() => StorageLocation.Parse(new Uri(uri), "bucket", "gcs", "gs"));

        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gs_uri_names_the_same_store_and_keys_as_gcs()
    {
        var prefix = $"run-{Guid.NewGuid():N}/fallback";
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.GetTempPath()).UseGcsFallbackStore(o => fixture.Configure(o)).UseGcsFallbackStore();
        services.Configure<FallbackStoreOptions>(o => o.Storage = $"gs://{GcsFixture.Bucket}/{prefix}");
        using var provider = services.BuildServiceProvider();
        Assert.Single(provider.GetServices<IFallbackStoreFactory>(), f => f.Scheme == "gs");
        var validation = new FallbackStoreOptionsValidator(provider.GetServices<IFallbackStoreFactory>()).Validate(null, provider.GetRequiredService<IOptions<FallbackStoreOptions>>().Value);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        var viaGs = provider.GetRequiredService<FallbackStoreResolver>().Store!;

        await viaGs.PutAsync(Key, "{\"via\":\"gs\"}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        var viaGcs = fixture.CreateStore($"gcs://{GcsFixture.Bucket}/{prefix}");

        Assert.Equal("{\"via\":\"gs\"}"u8.ToArray(), (await viaGcs.GetAsync(Key, 1024, CancellationToken.None))!.Content.ToArray());
        Assert.Equal($"gs://{GcsFixture.Bucket}/{prefix}", viaGs.Description);
    }

    [Fact]
    public void Storage_uri_selects_the_gcs_store_and_calling_use_twice_is_harmless()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.GetTempPath()).UseGcsFallbackStore(o => fixture.Configure(o)).UseGcsFallbackStore();
        services.Configure<FallbackStoreOptions>(o => o.Storage = "gcs://bucket/prefix");
        using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<IFallbackStoreFactory>(), f => f.Scheme == "gcs");
        var store = provider.GetRequiredService<FallbackStoreResolver>().Store;
        Assert.IsType<GcsFallbackStore>(store);
        Assert.Equal("gcs://bucket/prefix", store.Description);
    }

    [Fact]
    public async Task Invalid_options_fail_at_start_up()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDataPlaneResilience(o => o.DataDirectory = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")))
            .UseGcsFallbackStore(o =>
            {
                o.Endpoint = "ftp://example";
                o.AttemptTimeout = TimeSpan.FromMinutes(5);
            });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Endpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("TotalTimeout", error.Message, StringComparison.Ordinal);
    }
}
