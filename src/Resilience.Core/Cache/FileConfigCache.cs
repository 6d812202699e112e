using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// The default cache: a gzip file (<c>config.json.gz</c>) written crash-safely (temporary file,
/// fsync, atomic rename) with owner-only permissions, checked on load (format tag, length and
/// hash), and portable between nodes. Optionally encrypted at rest (<see cref="CacheEncryption"/>):
/// the gzip bytes are sealed with AES-GCM. It keeps the node's history beside it (<c>FileConfigCache.History.cs</c>).
/// </summary>
internal sealed partial class FileConfigCache : IConfigCache
{
    internal const string DefaultFileName = "config.json.gz";
    private readonly string _path;
    private readonly long _maxFileBytes;
    private readonly long _maxDecompressedBytes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CacheEncryption? _encryption;
    private readonly LocalWriteStatus? _writes;

    public FileConfigCache(IOptions<DataPlaneResilienceOptions> chainOptions, IOptions<FileConfigCacheOptions> options, TimeProvider timeProvider, ILogger<FileConfigCache> logger, LocalWriteStatus? writes = null)
        : this(options.Value.Path ?? Path.Combine(chainOptions.Value.DataDirectory, DefaultFileName), chainOptions.Value.MaxConfigBytes, chainOptions.Value.MaxDecompressedBytes, timeProvider, logger, CacheEncryption.Create(options.Value.Encryption), writes)
    {
    }

    // writes: where a directory that cannot be written is reported (at load); null for a cache that is only read.
    internal FileConfigCache(string path, long maxFileBytes, long maxDecompressedBytes, TimeProvider timeProvider, ILogger logger, CacheEncryption? encryption = null, LocalWriteStatus? writes = null)
    {
        _encryption = encryption;
        _writes = writes;
        _path = Path.GetFullPath(path);
        _maxFileBytes = maxFileBytes;
        _maxDecompressedBytes = maxDecompressedBytes;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Description => _path;

    /// <summary>The file the options name, read only (no directory probe), as a previous cache of a node now on another kind.</summary>
    internal static FileConfigCache Reader(DataPlaneResilienceOptions chainOptions, FileConfigCacheOptions options, TimeProvider timeProvider, ILogger logger) =>
        new(options.Path ?? Path.Combine(chainOptions.DataDirectory, DefaultFileName), chainOptions.MaxConfigBytes, chainOptions.MaxDecompressedBytes, timeProvider, logger, CacheEncryption.Create(options.Encryption));

    public async ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken)
    {
        byte[] compressed;
        try
        {
            // Loading happens at start-up, before this node writes: a good time to sweep what a crash left, and to find
            // out whether the directory can be written at all (a disk remounted read-only after I/O errors).
            AtomicFile.DeleteLeftovers(_path);
            ReportIfNotWritable();
            var info = new FileInfo(_path);
            if (!info.Exists)
            {
                Log.CacheAbsent(_logger, _path);
                return null;
            }

            if (info.Length > _maxFileBytes)
            {
                Log.CacheUnusable(_logger, _path, $"{info.Length} bytes exceeds the limit of {_maxFileBytes}");
                return null;
            }

            compressed = await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CacheUnusable(_logger, _path, ex.Message);
            return null;
        }

        try
        {
            return CacheFile.Decode(compressed, _encryption, _maxDecompressedBytes, _path);
        }
        catch (Exception ex) when (ex is InvalidDataException or GzipContentException or ConfigRejectedException)
        {
            Log.CacheUnusable(_logger, _path, ex.Message);
            return null;
        }
    }

    public async ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        DirectorySync.Flush(await ReplaceCacheFileAsync(snapshot, cancellationToken).ConfigureAwait(false));
        Volatile.Write(ref _savedHash, snapshot.Hash);
    }

    /// <summary>Writes the cache file (fsynced) and renames it into place; returns its directory, not yet fsynced.</summary>
    private async ValueTask<string> ReplaceCacheFileAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken)
    {
        var content = CacheFile.Encode(snapshot, _timeProvider.GetUtcNow(), _encryption);
        var directory = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(directory);
        await AtomicFile.ReplaceAsync(_path, content, flushFile: true, cancellationToken).ConfigureAwait(false);
        return directory;
    }

    private void ReportIfNotWritable()
    {
        if (_writes is not null && LocalWriteStatus.ProbeDirectory(Path.GetDirectoryName(_path)!) is { } why)
        {
            Log.CacheNotWritable(_logger, _path, why);
            _writes.MarkNotWritten(LocalWriteStatus.Cache, _path, $"{why}; the cache is read but not written, so a restart would not find a configuration applied from now on");
        }
    }

    public ValueTask ClearAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _savedHash, null);
        File.Delete(_path);
        return ValueTask.CompletedTask;
    }
}
