using Xunit.Abstractions;

namespace Resilience.Tests.Fuzzing;

/// <summary>Mutated gzip streams: decompression returns at most the limit or a typed rejection, nothing else.</summary>
public sealed class BoundedGzipFuzzTests(ITestOutputHelper output)
{
    private const int Limit = 256 * 1024;

    [Fact]
    public async Task Mutated_gzip_is_decompressed_within_the_limit_or_rejected_with_a_reason()
    {
        var mutator = new Mutator(
            Bombs.Gzip(Configs.Json("a")),
            Bombs.Gzip(Configs.Yaml("b")),
            Bombs.Gzip(new byte[Limit * 4]),
            [.. Bombs.Gzip(Configs.Json("c")), .. Bombs.Gzip(Configs.Json("d"))],
            Bombs.Gzip(Enumerable.Range(0, 20_000).Select(i => (byte)(i * 7)).ToArray()));

        var (iterations, failures) = await Mutator.RunAsync(mutator, 4000, (input, _) =>
        {
            try
            {
                var result = BoundedGzip.Decompress(input, Limit);
                if (result.Length > Limit)
                {
                    throw new InvalidOperationException($"{result.Length} bytes returned over the limit of {Limit}");
                }
            }
            catch (GzipContentException ex) when (ex.Reason is RejectionReason.TooLarge or RejectionReason.BadCompression)
            {
            }

            return Task.CompletedTask;
        });

        FuzzHarness.Report(output, "bounded gzip", iterations, failures);
    }
}
