using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Resilience.Tests.Fuzzing;

/// <summary>
/// Mutated store objects and metadata files, imported from a real file store: the import and the apply never
/// throw, and nothing whose content disagrees with its stored <c>config-hash</c> is ever served.
/// </summary>
public sealed class StoreImportFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Mutated_store_objects_are_imported_or_refused_and_never_served_against_their_hash()
    {
        var store = new FileFallbackStore(_dir.Combine("store"));
        var key = FallbackStoreKeys.Config("1.0.0");
        var objectPath = _dir.Combine("store", key);
        var metadataPath = objectPath + FileFallbackStore.MetadataSuffix;
        var exported = new[] { Configs.Json("a"), Configs.Json("exported-config"), Bombs.Gzip(Configs.Json("gz")) };
        var content = new Mutator(exported);
        var metadata = new Mutator(Encoding.UTF8.GetBytes($"{{\"{ExportConstants.ConfigHashMetadataKey}\":\"{ConfigHash.Compute(Configs.Json("a"))}\",\"exporter-node-id\":\"n1\"}}"));

        var (iterations, failures) = await Mutator.RunAsync(content, 300, async (input, random) =>
        {
            using var plane = FuzzHarness.Plane();
            var importer = new FallbackImporter(store, 1 << 20, NullLogger.Instance, plane.Metrics);
            var original = exported[random.Next(exported.Length)];
            var body = random.Next(4) == 0 ? original : input;
            var hash = ConfigHash.Compute(BoundedGzip.IsGzip(original) ? BoundedGzip.Decompress(original, 1 << 20) : original);
            switch (random.Next(4))
            {
                case 0:
                    await store.PutAsync(key, body, new Dictionary<string, string> { [ExportConstants.ConfigHashMetadataKey] = hash }, default);
                    break;
                case 1:
                    await store.PutAsync(key, body, new Dictionary<string, string>(), default);
                    File.Delete(metadataPath);
                    break;
                default:
                    Directory.CreateDirectory(Path.GetDirectoryName(objectPath)!);
                    await File.WriteAllBytesAsync(objectPath, body);
                    await File.WriteAllBytesAsync(metadataPath, metadata.Mutate(random));
                    break;
            }

            var document = await importer.ImportAsync("1.0.0", default);
            if (document is null)
            {
                return;
            }

            var result = await FuzzHarness.ApplyAsync(plane, document);
            // Hex digits compare case-insensitively, as the pipeline does.
            if (result.Outcome == ApplyOutcome.Applied && document.ExpectedHash is { } expected && !string.Equals(plane.Current!.Hash, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"served {plane.Current.Hash} although the store said {expected}");
            }
        });

        FuzzHarness.Report(output, "store objects (import)", iterations, failures);
    }

    public void Dispose() => _dir.Dispose();
}
