using System.IO.Compression;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.DependencyInjection;

namespace Resilience.Benchmarks;

/// <summary>
/// Push-to-applied on one DP over the real link (Kestrel, mTLS, WebSocket) for configs of about 1 MB and
/// 10 MB of JSON, against a baseline of only decompressing and parsing the same bytes (<see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>).
/// <see cref="Publish_only"/> is the CP's own share (hash + gzip once per publish), to subtract from <see cref="Push_to_applied"/>.
/// Each push alternates between two variants so every push changes the served config.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 12, invocationCount: 1)]
[MemoryDiagnoser]
public class LinkPushBenchmarks
{
    private LinkBenchmarkRig _rig = null!;
    private IDataPlane _dataPlane = null!;
    private byte[][] _configs = null!;
    private byte[] _compressed = null!;
    private ServiceProvider _standalone = null!;
    private Resilience.ControlPlane.IConfigPublisher _publisherOnly = null!;
    private int _next;

    [Params(1_000_000, 10_000_000)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _configs = [LinkBenchmarkRig.Config(Size, "a"), LinkBenchmarkRig.Config(Size, "b")];
        _compressed = Gzip(_configs[0]);
        _rig = new LinkBenchmarkRig();
        _rig.StartControlPlaneAsync().GetAwaiter().GetResult();
        _dataPlane = _rig.StartDataPlaneAsync("bench-dp").GetAwaiter().GetResult();
        _rig.WaitConnectedAsync(1).GetAwaiter().GetResult();
    }

    [IterationCleanup(Target = nameof(Push_to_applied))]
    public void WaitForReport()
    {
        // The DP writes its cache and reports after the swap; let that finish so it does not bleed into the next push.
        _rig.WaitAllReportedAsync(_dataPlane.Current!.Hash).GetAwaiter().GetResult();
    }

    [Benchmark(Description = "CP publish + push + DP receive/decompress/check/hash/swap")]
    public async Task Push_to_applied()
    {
        var known = _dataPlane.Current;
        await _rig.Publisher.PublishAsync(_configs[_next++ % 2]);
        await _dataPlane.WaitForChangeAsync(known, CancellationToken.None);
    }

    [Benchmark(Description = "CP publish only (hash + gzip)")]
    public async Task Publish_only() => await _publisherOnly.PublishAsync(_configs[_next++ % 2]);

    [Benchmark(Baseline = true, Description = "baseline: gunzip + JsonDocument.Parse")]
    public int Decompress_and_parse()
    {
        using var input = new MemoryStream(_compressed);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        using var document = JsonDocument.Parse(output.GetBuffer().AsMemory(0, (int)output.Length));
        return document.RootElement.GetArrayLength2();
    }

    /// <summary>The framework's gzip: the product's bounded decoder is shared source in several assemblies this project sees.</summary>
    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _standalone.Dispose();
        _rig.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

internal static class JsonElementExtensions
{
    public static int GetArrayLength2(this JsonElement root) => root.GetProperty("routes").GetArrayLength();
}
