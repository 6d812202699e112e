using Amazon.Runtime;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resilience.Storage.Azure;
using Resilience.Storage.S3;
using Resilience.Tests.Azurite;
using Resilience.Tests.FallbackStore;
using Resilience.Tests.S3rver;

namespace Resilience.Benchmarks;

/// <summary>
/// Time from "a configuration is applied on the elected exporter" to "a brand-new node (no cache, control
/// plane down) serves it from the fallback store", with the export delay at zero, on a real s3rver, a real
/// Azurite (Azure Blob Storage emulator) and the file store. <see cref="AppliedToStored"/> isolates the export half (apply, election check, upload).
/// </summary>
[Config(typeof(ShortInProcessConfig))]
[MinColumn]
[MaxColumn]
[MedianColumn]
public class StoreRoundTripBenchmarks
{
    private const string Bucket = "resilience-bench";
    private S3rverServer? _s3rver;
    private AzuriteServer? _azurite;
    private TestNode _leader = null!;
    private ScriptedControlPlaneLink _link = null!;
    private IFallbackStore _store = null!;
    private UploadWatchingStore _watched = null!;
    private Action<IDataPlaneResilienceBuilder>? _useStore;
    private string _storage = null!;
    private string _fileRoot = null!;
    private int _revision;

    /// <summary>Gets or sets the store under test.</summary>
    [Params("file", "s3rver", "azurite")]
    public string Store { get; set; } = "file";

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(Description = "applied on leader -> stored")]
    public async Task AppliedToStored()
    {
        var hash = await PushAsync();
        await WaitUntilStoredAsync(hash);
    }

    [Benchmark(Description = "applied on leader -> new node serving it")]
    public async Task AppliedToNewNodeServing()
    {
        var hash = await PushAsync();
        await WaitUntilStoredAsync(hash);
        var problems = new WarningCollector();
        await using var node = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "new-node-" + _revision,
            Storage = _storage,
            Import = true,
            Link = new UnreachableControlPlaneLink(),
            UseStore = _useStore,
            ConfigureServices = s => s.AddLogging(b => b.AddProvider(problems)),
        });
        await node.WaitForStartupAsync();
        if (node.DataPlane.Current is not { Origin: ConfigOrigin.FallbackStore } served || served.Hash != hash)
        {
            throw new InvalidOperationException(
                $"the new node serves {node.DataPlane.Current?.Origin} {node.DataPlane.Current?.Hash}, not {hash} from the store (last apply: {node.DataPlane.State.LastApplyResult}); warnings: {problems}");
        }
    }

    private static S3FallbackStoreOptions S3Options(S3FallbackStoreOptions options, S3rverServer server)
    {
        options.Endpoint = server.Endpoint;
        options.Region = "us-east-1";
        options.Credentials = new BasicAWSCredentials(S3rverServer.AccessKey, S3rverServer.SecretKey);

        // Start-up refuses an election grace (5 s here) shorter than the store's retry budget (30 s by default).
        options.AttemptTimeout = TimeSpan.FromSeconds(1);
        options.TotalTimeout = TimeSpan.FromSeconds(3);
        return options;
    }

    private static AzureFallbackStoreOptions AzureOptions(AzureFallbackStoreOptions options, AzuriteServer server)
    {
        options.ConnectionString = server.ConnectionString;
        options.AttemptTimeout = TimeSpan.FromSeconds(1);
        options.TotalTimeout = TimeSpan.FromSeconds(3);
        return options;
    }

    private async Task SetupAsync()
    {
        _fileRoot = Path.Combine(Path.GetTempPath(), "resilience-bench-" + Guid.NewGuid().ToString("N"));
        if (Store == "s3rver")
        {
            var server = _s3rver = S3rverServer.Start(Bucket);
            _storage = $"s3://{Bucket}/bench-{Guid.NewGuid():N}";
            _useStore = b => b.UseS3FallbackStore(o => S3Options(o, server));
            _store = new S3FallbackStoreFactory(Microsoft.Extensions.Options.Options.Create(S3Options(new S3FallbackStoreOptions(), server)), TimeProvider.System).Create(new Uri(_storage));
        }
        else if (Store == "azurite")
        {
            var server = _azurite = AzuriteServer.Start();
            await server.CreateContainerAsync(Bucket);
            _storage = $"azure://{Bucket}/bench-{Guid.NewGuid():N}";
            _useStore = b => b.UseAzureFallbackStore(o => AzureOptions(o, server));
            _store = new AzureFallbackStoreFactory(Microsoft.Extensions.Options.Options.Create(AzureOptions(new AzureFallbackStoreOptions(), server)), TimeProvider.System).Create(new Uri(_storage));
        }
        else
        {
            _storage = new Uri(_fileRoot).AbsoluteUri;
            _useStore = null;
            _store = new FileFallbackStoreFactory().Create(new Uri(_storage));
        }

        _link = new ScriptedControlPlaneLink();
        _watched = UploadWatchingStore.Wrap(_store);
        _leader = await TestNode.StartAsync(new TestNodeSettings
        {
            NodeId = "leader",
            Storage = _storage,
            Export = true,
            ExportDelay = TimeSpan.Zero,
            ElectionInterval = TimeSpan.FromSeconds(1),
            ElectionGrace = TimeSpan.FromSeconds(5),
            Link = _link,
            Store = _watched,
            UseStore = _useStore,
        });

        // The first export comes once the leader is elected.
        await WaitUntilStoredAsync(await PushAsync());
    }

    private async Task CleanupAsync()
    {
        await _leader.DisposeAsync();
        (_store as IDisposable)?.Dispose();
        _s3rver?.Dispose();
        _azurite?.Dispose();
        if (Directory.Exists(_fileRoot))
        {
            Directory.Delete(_fileRoot, recursive: true);
        }
    }

    private async Task<string> PushAsync()
    {
        var revision = Interlocked.Increment(ref _revision);
        var payload = System.Text.Encoding.UTF8.GetBytes($"{{\"routes\":[{{\"id\":\"r{revision}\",\"path\":\"/api/{revision}\"}}]}}");
        var result = await _link.PushAsync(payload);
        if (!result.IsServing)
        {
            throw new InvalidOperationException($"the leader did not apply revision {revision}: {result.Outcome}");
        }

        return result.Hash!;
    }

    /// <summary>Waits until the leader's upload of <paramref name="hash"/> has completed (seen at the store, no polling).</summary>
    private async Task WaitUntilStoredAsync(string hash)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _watched.WaitForUploadAsync(hash, timeout.Token);
    }
}

/// <summary>One short in-process job: each iteration is one end-to-end run (a new node boot is not repeatable within an iteration).</summary>
internal sealed class ShortInProcessConfig : ManualConfig
{
    public ShortInProcessConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(20)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithToolchain(InProcessEmitToolchain.Instance));
    }
}

/// <summary>Keeps the warnings and errors a node logs, for the failure message of a run that went wrong.</summary>
internal sealed class WarningCollector : ILoggerProvider, ILogger
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            _lines.Enqueue($"[{eventId.Id}] {formatter(state, exception)} {exception}");
        }
    }

    public void Dispose()
    {
    }

    public override string ToString() => string.Join(Environment.NewLine, _lines);
}
