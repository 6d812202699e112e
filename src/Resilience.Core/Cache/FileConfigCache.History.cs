namespace Resilience;

/// <summary>
/// The file cache's history (<see cref="IConfigHistoryStore"/>): a <c>history</c> directory beside <c>config.json.gz</c>
/// holding the index (<c>index.json</c>, sealed when the cache encrypts) and one <c>&lt;hash&gt;.json.gz</c> per kept
/// configuration, each in the cache file's own format. The configuration just served is kept as a hard link of the cache
/// file just written (no second compression, no second copy on disk), or a copy where links are not possible. Every file
/// is written atomically (temporary file, rename, directory fsync), payloads before the index that names them.
/// </summary>
internal sealed partial class FileConfigCache : IConfigHistoryStore
{
    internal const string HistoryDirectoryName = "history";
    internal const string HistoryIndexFileName = "index.json";
    private const string PayloadSuffix = ".json.gz";

    // The hash config.json.gz holds since this process's last SaveAsync: the one file a history payload may link to.
    private string? _savedHash;

    /// <summary>Gets the history directory, beside the cache file.</summary>
    internal string HistoryDirectory => Path.Combine(Path.GetDirectoryName(_path)!, HistoryDirectoryName);

    public async ValueTask<ReadOnlyMemory<byte>?> ReadHistoryIndexAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(HistoryDirectory, HistoryIndexFileName);
        byte[] stored;
        try
        {
            // Read once at start-up, before this node writes its history: sweep what a crash left.
            SweepLeftovers();
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return null;
            }

            if (info.Length > IConfigHistoryStore.MaxIndexBytes + CacheEncryption.Overhead)
            {
                Log.CacheUnusable(_logger, path, $"{info.Length} bytes exceeds the history index limit of {IConfigHistoryStore.MaxIndexBytes}");
                return null;
            }

            stored = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CacheUnusable(_logger, path, ex.Message);
            return null;
        }

        try
        {
            if (_encryption is not null)
            {
                return _encryption.OpenStored(stored, out _);
            }

            return CacheEncryption.IsSealed(stored)
                ? throw new InvalidDataException("the history index is encrypted and no key is configured")
                : stored;
        }
        catch (InvalidDataException ex)
        {
            Log.CacheUnusable(_logger, path, ex.Message);
            return null;
        }
    }

    public async ValueTask<ConfigDocument?> LoadHistoryEntryAsync(string hash, CancellationToken cancellationToken)
    {
        if (!HistoryIndexFormat.IsHash(hash))
        {
            return null;
        }

        var path = PayloadPath(hash);
        byte[] stored;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > _maxFileBytes)
            {
                Log.CacheUnusable(_logger, path, info.Exists ? $"{info.Length} bytes exceeds the limit of {_maxFileBytes}" : "the history entry's file is missing");
                return null;
            }

            stored = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CacheUnusable(_logger, path, ex.Message);
            return null;
        }

        try
        {
            var document = CacheFile.Decode(stored, _encryption, _maxDecompressedBytes, path);
            return document.ExpectedHash == hash ? document : throw new InvalidDataException($"the file holds configuration {document.ExpectedHash}, not {hash}");
        }
        catch (Exception ex) when (ex is InvalidDataException or GzipContentException or ConfigRejectedException)
        {
            Log.CacheUnusable(_logger, path, ex.Message);
            return null;
        }
    }

    public async ValueTask WriteHistoryAsync(ReadOnlyMemory<byte> index, ConfigSnapshot? added, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        await WriteHistoryFilesAsync(index, added, flushIndex: true, cancellationToken).ConfigureAwait(false);
        DirectorySync.Flush(HistoryDirectory);
        DeletePayloadsNotIn(keep);
    }

    /// <summary>
    /// The cache file and the history with two journal commits instead of four: the cache file is written and fsynced
    /// and renamed into place, the payload linked, the index renamed into place without an fsync of its own, and then the
    /// history's directory and the cache's are fsynced, once each (on ext4 the first commits every rename and the link;
    /// the second finds nothing left). A SIGKILL leaves each file whole, old or new, as before; what a power loss can cost
    /// is the newest index: the old one, or on a file system that does not write a replaced file's data before its
    /// rename (ext4 and btrfs do) an unreadable one, which starts an empty history (logged, event 1102), never a wrong
    /// entry. The cache file itself is as durable as <see cref="SaveAsync"/> makes it.
    /// </summary>
    public async ValueTask SaveWithHistoryAsync(ConfigSnapshot served, ReadOnlyMemory<byte> index, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(keep);
        var cacheDirectory = await ReplaceCacheFileAsync(served, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _savedHash, served.Hash);
        await WriteHistoryFilesAsync(index, served, flushIndex: false, cancellationToken).ConfigureAwait(false);
        DirectorySync.Flush(HistoryDirectory);
        DirectorySync.Flush(cacheDirectory);
        DeletePayloadsNotIn(keep);
    }

    /// <summary>The payload (when new) and the index renamed into place; no directory fsync.</summary>
    private async ValueTask WriteHistoryFilesAsync(ReadOnlyMemory<byte> index, ConfigSnapshot? added, bool flushIndex, CancellationToken cancellationToken)
    {
        var directory = HistoryDirectory;
        CreateOwnerOnlyDirectory(directory);
        if (added is not null && HistoryIndexFormat.IsHash(added.Hash) && !File.Exists(PayloadPath(added.Hash)))
        {
            await KeepPayloadAsync(added, cancellationToken).ConfigureAwait(false);
        }

        var content = _encryption is null ? index.ToArray() : _encryption.Seal(index.Span);
        await AtomicFile.ReplaceAsync(Path.Combine(directory, HistoryIndexFileName), content, flushIndex, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the payloads the index no longer names, after its rename is durable (the directory fsync): a crash before
    /// this leaves files no index names, deleted by the next write.
    /// </summary>
    private void DeletePayloadsNotIn(IReadOnlyCollection<string> keep)
    {
        foreach (var file in Directory.EnumerateFiles(HistoryDirectory, "*" + PayloadSuffix))
        {
            var name = Path.GetFileName(file);
            if (!keep.Contains(name[..^PayloadSuffix.Length]))
            {
                File.Delete(file);
            }
        }
    }

    private string PayloadPath(string hash) => Path.Combine(HistoryDirectory, hash + PayloadSuffix);

    /// <summary>Keeps the payload of the configuration just served: a hard link of the cache file that holds it, else its own file.</summary>
    private async ValueTask KeepPayloadAsync(ConfigSnapshot added, CancellationToken cancellationToken)
    {
        var target = PayloadPath(added.Hash);
        // link(2) is atomic and the cache file is whole and durable: the name appears with every byte or not at all, so it
        // needs no temporary name (the caller found no file of that name; should one appear meanwhile, the copy below replaces it).
        // No directory fsync of its own: the history directory is fsynced after the index's rename, which makes the
        // link durable too; a crash before that leaves an index that does not name it (or, on a file system that
        // reorders, an entry without its payload: dropped on read, never served).
        if (Volatile.Read(ref _savedHash) == added.Hash && HardLink.TryCreate(_path, target))
        {
            return;
        }

        await AtomicFile.WriteAsync(target, CacheFile.Encode(added, _timeProvider.GetUtcNow(), _encryption), cancellationToken).ConfigureAwait(false);
    }

    private void SweepLeftovers()
    {
        var directory = HistoryDirectory;
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(directory))
        {
            if (AtomicFile.IsTemp(Path.GetFileName(file)))
            {
                File.Delete(file);
            }
        }
    }

    private static void CreateOwnerOnlyDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
