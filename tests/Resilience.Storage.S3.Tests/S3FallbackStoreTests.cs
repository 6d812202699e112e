using System.Net;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Resilience.Tests.FallbackStore;

namespace Resilience.Storage.S3.Tests;

public sealed class S3FallbackStoreTests(S3rverFixture fixture) : IClassFixture<S3rverFixture>
{
    private const string AccessDenied = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>";
    private const string SlowDown = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>1</RequestId></Error>";

    private static S3FallbackStoreOptions Against(string endpoint, int retries = 3, int totalMs = 5000, int attemptMs = 2000) => new()
    {
        Endpoint = endpoint,
        Region = "us-east-1",
        Credentials = new BasicAWSCredentials("key", "secret"),
        MaxRetryAttempts = retries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        AttemptTimeout = TimeSpan.FromMilliseconds(attemptMs),
        TotalTimeout = TimeSpan.FromMilliseconds(totalMs),
    };

    [Fact]
    public async Task Retries_stop_within_the_total_budget_when_the_server_never_answers()
    {
        await using var server = ScriptedHttpServer.Hang();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var options = Against(server.Endpoint, retries: 20, totalMs: 1000, attemptMs: 300);
        var store = new S3FallbackStoreFactory(Microsoft.Extensions.Options.Options.Create(options), clock).Create(new Uri("s3://bucket/prefix"));

        var get = store.GetAsync("3.6.0.0/config.json", 1024, CancellationToken.None).AsTask();
        var advanced = await ClockDriver.AdvanceUntilDoneAsync(clock, get, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<FallbackStoreException>(() => get);
        Assert.True(error.IsTransient);
        Assert.Contains("budget", error.Message, StringComparison.Ordinal);

        // By the injected clock, the operation ends at its 1 s budget (to within the driver's steps), not after 20 retries.
        Assert.InRange(advanced, TimeSpan.FromSeconds(0.95), TimeSpan.FromSeconds(1.5));
        Assert.InRange(server.Requests.Count, 2, 5);
    }

    [Fact]
    public async Task An_IAmazonS3_registered_in_the_container_is_used()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDefaultAWSOptions(new AWSOptions
        {
            Credentials = new BasicAWSCredentials(Resilience.Tests.S3rver.S3rverServer.AccessKey, Resilience.Tests.S3rver.S3rverServer.SecretKey),
            DefaultClientConfig = { ServiceURL = fixture.Server.Endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 },
        });
        services.AddAWSService<IAmazonS3>();
        
        // No endpoint and no credentials in the store's options: only the registered client can reach s3rver.
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.GetTempPath()).UseS3FallbackStore();
        services.Configure<FallbackStoreOptions>(o => o.Storage = fixture.NewStorageUri());
        using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<FallbackStoreResolver>().Store!;

        await store.PutAsync("k", "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        Assert.NotNull(await store.GetAsync("k", 1024, CancellationToken.None));

        // The container owns the client: disposing the store leaves it usable.
        ((IDisposable)store).Dispose();
        var client = provider.GetRequiredService<IAmazonS3>();
        Assert.NotNull(await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = S3rverFixture.Bucket, MaxKeys = 1 }));
    }

    [Fact]
    public async Task Reads_and_listings_carry_the_ETag_as_the_version()
    {
        var store = fixture.CreateStore(fixture.NewStorageUri());
        await store.PutAsync("3.6.0.0/config.json", "{\"v\":1}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);

        var read = await store.GetAsync("3.6.0.0/config.json", 1024, CancellationToken.None);
        var listed = Assert.Single(await store.ListAsync("3.6.0.0/", CancellationToken.None));
        await store.PutAsync("3.6.0.0/config.json", "{\"v\":2}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None);
        var replaced = await store.GetAsync("3.6.0.0/config.json", 1024, CancellationToken.None);

        Assert.False(string.IsNullOrEmpty(read!.Version));
        Assert.Equal(read.Version, listed.Version);
        Assert.NotEqual(read.Version, replaced!.Version);
    }

    [Fact]
    public void Options_bind_from_FallbackStore_S3_of_the_resilience_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resilience:DataDirectory"] = Path.GetTempPath(),
            ["Resilience:FallbackStore:S3:Endpoint"] = "http://127.0.0.1:1/",
            ["Resilience:FallbackStore:S3:Region"] = "eu-west-3",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(configuration.GetSection("Resilience")).UseS3FallbackStore(o => o.MaxRetryAttempts = 2);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<S3FallbackStoreOptions>>().Value;

        Assert.Equal("http://127.0.0.1:1/", options.Endpoint);
        Assert.Equal("eu-west-3", options.Region);
        Assert.Equal(2, options.MaxRetryAttempts);
    }

    [Fact]
    public async Task Retry_delays_and_the_total_budget_run_on_the_injected_clock()
    {
        await using var server = new ScriptedHttpServer(503, SlowDown);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var options = Against(server.Endpoint, retries: 20);
        options.RetryBaseDelay = TimeSpan.FromSeconds(2);
        options.MaxRetryDelay = TimeSpan.FromSeconds(8);
        options.AttemptTimeout = TimeSpan.FromSeconds(10);
        options.TotalTimeout = TimeSpan.FromSeconds(30);
        var store = new S3FallbackStoreFactory(Microsoft.Extensions.Options.Options.Create(options), clock).Create(new Uri("s3://bucket/prefix"));

        var get = store.GetAsync("3.6.0.0/config.json", 1024, CancellationToken.None).AsTask();
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
        Assert.InRange(server.Requests.Count, 3, 20);
    }

    [Fact]
    public async Task Transient_errors_are_retried_a_bounded_number_of_times()
    {
        await using var server = new ScriptedHttpServer(503, SlowDown);
        var store = S3rverFixture.CreateStore("s3://bucket/prefix", Against(server.Endpoint, retries: 3));

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.PutAsync("3.6.0.0/config.json", "{}"u8.ToArray(), new Dictionary<string, string>(), CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Contains("after retries", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task Access_denied_fails_at_once_with_a_clear_message()
    {
        await using var server = new ScriptedHttpServer(403, AccessDenied);
        var store = S3rverFixture.CreateStore("s3://bucket/prefix", Against(server.Endpoint, retries: 5));

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync("3.6.0.0/config.json", 1024, CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("access denied", error.Message, StringComparison.Ordinal);
        Assert.Contains("s3://bucket/prefix/3.6.0.0/config.json", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_missing_bucket_fails_at_once_with_a_clear_message()
    {
        var store = fixture.CreateStore("s3://no-such-bucket/prefix");

        var error = await Assert.ThrowsAsync<FallbackStoreException>(async () => await store.GetAsync("3.6.0.0/config.json", 1024, CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("the bucket 'no-such-bucket' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uploads_are_plain_bodies_and_carry_encryption_settings_and_metadata()
    {
        await using var server = new ScriptedHttpServer(200, string.Empty, headers: new Dictionary<string, string> { ["ETag"] = "\"abc\"" });
        var options = Against(server.Endpoint);
        options.ServerSideEncryption = "aws:kms";
        options.KmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/test";
        var store = S3rverFixture.CreateStore("s3://bucket/some/prefix", options);

        await store.PutAsync("3.6.0.0/config.json", "{\"a\":1}"u8.ToArray(), new Dictionary<string, string> { [FallbackImporter.ExporterMetadataKey] = "node-7" }, CancellationToken.None);

        var request = Assert.Single(server.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.StartsWith("/bucket/some/prefix/3.6.0.0/config.json", request.Target, StringComparison.Ordinal);
        Assert.Equal("aws:kms", request.Headers["x-amz-server-side-encryption"]);
        Assert.Equal(options.KmsKeyId, request.Headers["x-amz-server-side-encryption-aws-kms-key-id"]);
        Assert.Equal("node-7", request.Headers["x-amz-meta-exporter-node-id"]);
        Assert.False(request.Headers.TryGetValue("Content-Encoding", out var encoding) && encoding.Contains("aws-chunked", StringComparison.Ordinal), "the body must not be aws-chunked");
        Assert.Equal("7", request.Headers["Content-Length"]);
    }

    [Fact]
    public void A_download_failing_its_checksum_is_retried_but_a_configuration_error_is_not()
    {
        var errors = new S3StoreErrors(StorageLocation.Parse(new Uri("s3://bucket/prefix"), "bucket", "s3"));
        Assert.True(errors.IsTransient(new AmazonClientException("Expected hash not equal to calculated hash")));
        Assert.True(errors.IsTransient(new AmazonClientException("wrapped", new HttpRequestException("reset"))));
        Assert.False(errors.IsTransient(new AmazonClientException("No RegionEndpoint or ServiceURL configured")));
        Assert.False(errors.IsTransient(new Amazon.S3.AmazonS3Exception("denied") { StatusCode = HttpStatusCode.Forbidden, ErrorCode = "AccessDenied" }));
        Assert.True(errors.IsTransient(new Amazon.S3.AmazonS3Exception("slow") { StatusCode = HttpStatusCode.ServiceUnavailable, ErrorCode = "SlowDown" }));
    }

    [Theory]
    [InlineData("s3://bucket/prefix", "bucket", "prefix")]
    [InlineData("s3://bucket/a/b/", "bucket", "a/b")]
    [InlineData("s3://bucket", "bucket", "")]
    [InlineData("s3://My_Bucket.v2/p", "My_Bucket.v2", "p")]
    public void The_storage_uri_names_bucket_and_prefix(string uri, string bucket, string prefix)
    {
        var location = StorageLocation.Parse(new Uri(uri), "bucket", "s3");

        Assert.Equal(bucket, location.Container);
        Assert.Equal(prefix, location.Prefix);
        Assert.Equal(prefix.Length == 0 ? "k" : prefix + "/k", location.ObjectKey("k"));
    }

    [Fact]
    public void Storage_uri_selects_the_s3_store_and_calling_use_twice_is_harmless()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDataPlaneResilience(o => o.DataDirectory = Path.GetTempPath()).UseS3FallbackStore(o => fixture.Configure(o)).UseS3FallbackStore();
        services.Configure<FallbackStoreOptions>(o => o.Storage = "s3://bucket/prefix");
        using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<IFallbackStoreFactory>(), f => f.Scheme == "s3");
        var store = provider.GetRequiredService<FallbackStoreResolver>().Store;
        Assert.IsType<S3FallbackStore>(store);
        Assert.Equal("s3://bucket/prefix", store.Description);
    }

    [Theory]
    [InlineData("ftp://host", null, null)]
    [InlineData(null, "AES256", "key")]
    [InlineData(null, "DES", null)]
    public async Task Invalid_options_fail_at_start_up(string? endpoint, string? sse, string? kmsKeyId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDataPlaneResilience(o => o.DataDirectory = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")))
            .UseS3FallbackStore(o =>
            {
                o.Endpoint = endpoint;
                o.ServerSideEncryption = sse;
                o.KmsKeyId = kmsKeyId;
            });
        using var host = builder.Build();

        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }

    [Fact]
    public async Task Retry_options_out_of_range_fail_at_start_up()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDataPlaneResilience(o => o.DataDirectory = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")))
            .UseS3FallbackStore(o => o.MaxRetryAttempts = 99);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("MaxRetryAttempts", StringComparison.Ordinal));
    }

    [Fact]
    public void An_attempt_timeout_longer_than_the_budget_is_rejected()
    {
        var result = new S3FallbackStoreOptionsValidator().Validate(null, new S3FallbackStoreOptions { AttemptTimeout = TimeSpan.FromSeconds(40), TotalTimeout = TimeSpan.FromSeconds(30) });

        Assert.True(result.Failed);
        Assert.Contains("TotalTimeout", result.FailureMessage, StringComparison.Ordinal);
    }
}
