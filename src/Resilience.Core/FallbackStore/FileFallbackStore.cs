using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resilience;

/// <summary>
/// A fallback store in a directory (<c>file:///dir</c>), for one host, a shared volume, and the
/// demo and tests. Objects are plain files written atomically; metadata sits beside each in
/// <c>&lt;name&gt;.metadata.json</c>, so an operator can also drop a <c>config.json</c> in by hand.
/// </summary>
internal sealed class FileFallbackStore : IFallbackStore
{
    internal const string MetadataSuffix = ".metadata.json";
    private readonly string _root;

    public FileFallbackStore(string rootDirectory)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
    }

    public string Description => new Uri(_root).AbsoluteUri;

    public async ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }

            if (info.Length > maxBytes)
            {
                throw new FallbackStoreException($"{Description}/{key} is {info.Length} bytes, over the limit of {maxBytes}");
            }

            var content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            return new StoredObject(key, content, await ReadMetadataAsync(path, cancellationToken).ConfigureAwait(false), info.LastWriteTimeUtc);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FallbackStoreException($"reading {Description}/{key} failed: {ex.Message}", ex) { IsTransient = ex is IOException };
        }
    }

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var metadataBytes = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>(metadata), FileStoreJsonContext.Default.DictionaryStringString);
            await AtomicFile.WriteAsync(path + MetadataSuffix, metadataBytes, cancellationToken).ConfigureAwait(false);
            await AtomicFile.WriteAsync(path, content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FallbackStoreException($"writing {Description}/{key} failed: {ex.Message}", ex) { IsTransient = ex is IOException };
        }
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken)
    {
        var results = new List<StoredObjectInfo>();
        if (Directory.Exists(_root))
        {
            foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = Path.GetFileName(file);
                if (name.EndsWith(MetadataSuffix, StringComparison.Ordinal) || AtomicFile.IsTemp(name))
                {
                    continue;
                }

                var key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
                if (key.StartsWith(keyPrefix, StringComparison.Ordinal))
                {
                    var info = new FileInfo(file);
                    results.Add(new StoredObjectInfo(key, info.Length, info.LastWriteTimeUtc));
                }
            }
        }

        results.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return ValueTask.FromResult<IReadOnlyList<StoredObjectInfo>>(results);
    }

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            File.Delete(path);
            File.Delete(path + MetadataSuffix);
        }
        catch (DirectoryNotFoundException)
        {
            // Deleting a missing key is not an error, even when its directory is missing too.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FallbackStoreException($"deleting {Description}/{key} failed: {ex.Message}", ex) { IsTransient = ex is IOException };
        }

        return ValueTask.CompletedTask;
    }

    private static async ValueTask<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await File.ReadAllBytesAsync(path + MetadataSuffix, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize(bytes, FileStoreJsonContext.Default.DictionaryStringString) ?? [];
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            // Metadata is informational; a hand-placed object has none.
            return new Dictionary<string, string>();
        }
    }

    private string PathOf(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var path = Path.GetFullPath(Path.Combine(_root, key));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"key '{key}' leaves the store's directory", nameof(key));
        }

        return path;
    }
}

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class FileStoreJsonContext : JsonSerializerContext
{
}
