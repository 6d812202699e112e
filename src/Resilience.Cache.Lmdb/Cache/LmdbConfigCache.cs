using System.Text;
using LightningDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// The LMDB cache: a <c>dbless.lmdb</c> directory (<c>data.mdb</c> + <c>lock.mdb</c>) holding two keys,
/// written together in one write transaction: <c>format</c> (this layout's tag and version) and
/// <c>config</c> (the <see cref="CacheEnvelope"/> bytes: a header with format, hash, length and
/// metadata, then the payload; sealed with AES-GCM when encryption is on). The node's history has keys of its own
/// beside them (<c>LmdbConfigCache.History.cs</c>).
/// </summary>
/// <remarks>
/// <para>Load checks the format tag, the header and the payload length, and authenticates an encrypted
/// entry; it does not recompute the SHA-256 of the payload: the document carries it as
/// <see cref="ConfigDocument.ExpectedHash"/> and the apply pipeline, which hashes every document,
/// rejects a mismatch (reason <c>HashMismatch</c>), so an altered payload is never served and the
/// chain moves on to the next tier.</para>
/// <para>A directory that cannot be written (a file system remounted read-only after I/O errors, a read-only root, no
/// permission) is opened read-only without a lock file (<c>MDB_RDONLY | MDB_NOLOCK</c>: nothing else can write it):
/// its configuration is served, saves fail with a clear error, and <see cref="LocalWriteStatus"/> says the cache is not
/// written (event 2109). A save first checks whether the directory has become writable again and then reopens it.</para>
/// <para>LMDB commits are atomic and durable (copy-on-write pages, fsync at commit): a crash at any point
/// leaves the old or the new configuration.</para>
/// <para>The environment is opened once, on first use, and kept open. The format tag is checked then;
/// a different tag discards the cache. A corrupt environment is moved aside
/// (<c>dbless.lmdb.corrupt-&lt;time&gt;</c>) and a new one started; load returns <see langword="null"/>
/// for a missing, unreadable, incompatible, truncated or undecryptable cache, and the chain moves on. Read transactions run without thread-local
/// reader slots (<c>MDB_NOTLS</c>) and are always released.</para>
/// </remarks>
internal sealed partial class LmdbConfigCache : IConfigCache, IDisposable
{
    /// <summary>The tag this layout writes under <see cref="FormatKey"/>; any other value discards the cache.</summary>
    public const string FormatTag = "resilience-lmdb-cache/1";

    private static readonly byte[] FormatKey = "format"u8.ToArray();
    private static readonly byte[] ConfigKey = "config"u8.ToArray();
    private static readonly byte[] FormatTagBytes = Encoding.UTF8.GetBytes(FormatTag);

    private readonly string _path;
    private readonly long _mapSize;
    private readonly int _maxReaders;
    private readonly LmdbNativeLibrary _nativeLibrary;
    private readonly long _maxEntryBytes;
    private readonly CacheEncryption? _encryption;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly LocalWriteStatus? _writes;
    private readonly object _openGate = new();
    private readonly ReaderWriterLockSlim _lifetime = new(LockRecursionPolicy.NoRecursion);
    private LightningEnvironment? _environment;
    private bool _readOnly;
    private readonly bool _readerOnly;
    private bool _disposed;

    public LmdbConfigCache(IOptions<DataPlaneResilienceOptions> chainOptions, IOptions<LmdbConfigCacheOptions> options, TimeProvider timeProvider, ILogger<LmdbConfigCache> logger, LocalWriteStatus? writes = null)
        : this(
            options.Value.Path ?? Path.Combine(chainOptions.Value.DataDirectory, LmdbConfigCacheDefaults.DirectoryName),
            options.Value,
            chainOptions.Value.MaxDecompressedBytes,
            CacheEncryption.Create(options.Value.Encryption),
            timeProvider,
            logger,
            writes)
    {
    }

    internal LmdbConfigCache(string path, LmdbConfigCacheOptions options, long maxPayloadBytes, CacheEncryption? encryption, TimeProvider timeProvider, ILogger logger, LocalWriteStatus? writes = null, bool readerOnly = false)
    {
        _writes = writes;
        _readerOnly = readerOnly;
        _path = Path.GetFullPath(path);
        var pageSize = Environment.SystemPageSize;
        _mapSize = (Math.Max(options.MapSize, LmdbConfigCacheDefaults.MinMapSize) + pageSize - 1) / pageSize * pageSize;
        _maxReaders = options.MaxReaders;
        _nativeLibrary = options.NativeLibrary;

        // The header line and the encryption header add a little to the payload limit.
        _maxEntryBytes = maxPayloadBytes > long.MaxValue - 8192 ? long.MaxValue : maxPayloadBytes + 8192;
        _encryption = encryption;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Description => _path;

    /// <summary>Gets the effective map size (rounded up to the page size).</summary>
    internal long MapSize => _mapSize;

    /// <summary>
    /// The directory read as a previous cache (a node that moved back to another kind): opened read-only without a lock
    /// file, never written, moved or truncated, whatever it holds.
    /// </summary>
    internal static LmdbConfigCache Reader(DataPlaneResilienceOptions chainOptions, LmdbConfigCacheOptions options, TimeProvider timeProvider, ILogger logger) =>
        new(
            options.Path ?? Path.Combine(chainOptions.DataDirectory, LmdbConfigCacheDefaults.DirectoryName),
            options,
            chainOptions.MaxDecompressedBytes,
            CacheEncryption.Create(options.Encryption),
            timeProvider,
            logger,
            readerOnly: true);

    /// <summary>Gets a value indicating whether the environment is open read-only (the directory cannot be written).</summary>
    internal bool IsReadOnly => Volatile.Read(ref _readOnly);

    public ValueTask<ConfigDocument?> LoadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Load());
    }

    public ValueTask SaveAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        cancellationToken.ThrowIfCancellationRequested();
        var value = Seal(CacheEnvelope.Encode(snapshot, _timeProvider.GetUtcNow()));

        ReopenIfWritableAgain();
        Write(tx =>
        {
            var db = tx.OpenDatabase();
            Check(tx.Put(db, FormatKey, FormatTagBytes), value.Length);
            Check(tx.Put(db, ConfigKey, value), value.Length);
        }, value.Length);
        Volatile.Write(ref _savedHash, snapshot.Hash);
        return ValueTask.CompletedTask;
    }

    public ValueTask ClearAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Volatile.Write(ref _savedHash, null);
        ReopenIfWritableAgain();
        Write(tx =>
        {
            var db = tx.OpenDatabase();
            Delete(tx, db, ConfigKey);
            Delete(tx, db, FormatKey);
        }, 0);
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        _lifetime.EnterWriteLock();
        try
        {
            lock (_openGate)
            {
                _disposed = true;
                _environment?.Dispose();
                _environment = null;
            }
        }
        finally
        {
            _lifetime.ExitWriteLock();
        }
    }

    private ConfigDocument? Load()
    {
        if (ReadValue(ConfigKey, _maxEntryBytes, logAbsent: true) is not { } stored)
        {
            return null;
        }

        try
        {
            // The payload hash travels as ExpectedHash: the apply pipeline recomputes the hash of every
            // document anyway and rejects a mismatch, so it is not computed twice on the start-up path.
            // With the history on, config names the history's copy of the entry (LmdbConfigCache.History.cs).
            if (ReferencedHash(stored, out var referenceMigratedFrom) is { } referenced)
            {
                return LoadReferenced(referenced, referenceMigratedFrom);
            }

            return CacheEnvelope.Decode(Open(stored, out var migratedFrom), _path, verifyHash: false, migratedFrom);
        }
        catch (InvalidDataException ex)
        {
            LmdbLog.Unusable(_logger, _path, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Reads one value in a read transaction that is always released. <see langword="null"/> when the key is absent, the
    /// value is over <paramref name="limit"/> or LMDB cannot be used (logged), or the files are damaged (moved aside).
    /// </summary>
    private byte[]? ReadValue(byte[] key, long limit, bool logAbsent)
    {
        byte[]? stored;
        string? corruption = null;
        _lifetime.EnterReadLock();
        try
        {
            if (GetEnvironment() is not { } environment)
            {
                LmdbLog.Absent(_logger, _path);
                return null;
            }

            using var tx = environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
            var db = tx.OpenDatabase();
            var (code, _, value) = tx.Get(db, key);
            if (code == MDBResultCode.NotFound)
            {
                if (logAbsent)
                {
                    LmdbLog.Absent(_logger, _path);
                }

                return null;
            }

            code.ThrowOnError();
            var length = value.AsSpan().Length;
            if (length > limit)
            {
                LmdbLog.Unusable(_logger, _path, $"the entry is {length} bytes, over the limit of {limit}");
                return null;
            }

            if (length > DataFileLength())
            {
                // A damaged node header claims more bytes than the file holds: copying would read past the map.
                corruption = $"the entry claims {length} bytes, more than the data file holds";
                stored = null;
            }
            else
            {
                stored = value.CopyToNewArray();
            }
        }
        catch (LightningException ex) when (LmdbFailure.IsDamagedFiles(ex))
        {
            corruption = LmdbFailure.Describe(ex);
            stored = null;
        }
        catch (Exception ex) when (IsUnusable(ex))
        {
            Report(ex);
            return null;
        }
        finally
        {
            _lifetime.ExitReadLock();
        }

        if (corruption is not null)
        {
            Quarantine(corruption);
            return null;
        }

        return stored;
    }

    /// <summary>Opens a stored value: authenticated and decrypted when the cache encrypts; refused when it is sealed and no key is set.</summary>
    /// <exception cref="InvalidDataException">Why the value cannot be opened.</exception>
    private byte[] Open(byte[] stored) => Open(stored, out _);

    /// <summary>As <see cref="Open(byte[])"/>; <paramref name="migratedFrom"/> says which earlier key or form it was stored in (key migration).</summary>
    private byte[] Open(byte[] stored, out string? migratedFrom)
    {
        migratedFrom = null;
        if (_encryption is not null)
        {
            return _encryption.OpenStored(stored, out migratedFrom);
        }

        return CacheEncryption.IsSealed(stored)
            ? throw new InvalidDataException($"the cache is encrypted and no key is configured (Cache:Lmdb:Encryption:Key or the {CacheEncryption.DefaultKeyEnvironmentVariable} environment variable)")
            : stored;
    }

    private void Write(Action<LightningTransaction> change, long valueBytes)
    {
        string? corruption = null;
        _lifetime.EnterReadLock();
        try
        {
            if (GetEnvironment() is not { } environment || Volatile.Read(ref _readOnly))
            {
                throw new LmdbUnavailableException($"LMDB cache {_path} cannot be written (read-only or unwritable directory); the configuration is served but not cached");
            }

            // A write transaction holds LMDB's writer mutex and stays on this thread: no await inside.
            using var tx = environment.BeginTransaction();
            change(tx);
            Check(tx.Commit(), valueBytes);
        }
        catch (LightningException ex) when (LmdbFailure.IsDamagedFiles(ex))
        {
            corruption = LmdbFailure.Describe(ex);
        }
        catch (Exception ex) when (LmdbNativeLibraryResolver.IsLoadFailure(ex))
        {
            throw LmdbNativeLibraryResolver.Explain(ex);
        }
        finally
        {
            _lifetime.ExitReadLock();
        }

        if (corruption is not null)
        {
            // The next write starts a new environment; this one fails so that the chain counts it.
            Quarantine(corruption);
            throw new LmdbCorruptException($"LMDB cache {_path} is corrupt ({corruption}); it was moved aside and this write was not stored");
        }
    }

    private void Check(MDBResultCode code, long valueBytes)
    {
        if (code == MDBResultCode.MapFull)
        {
            throw new LmdbMapFullException(
                $"The configuration ({valueBytes} bytes as stored) does not fit the LMDB map of {_mapSize} bytes at {_path}; " +
                $"the previous cached configuration stays. Raise {LmdbConfigCacheDefaults.Section}:MapSize to at least twice the largest configuration.");
        }

        code.ThrowOnError();
    }

    private static void Delete(LightningTransaction tx, LightningDatabase db, byte[] key)
    {
        var code = tx.Delete(db, key);
        if (code != MDBResultCode.NotFound)
        {
            code.ThrowOnError();
        }
    }

    /// <summary>
    /// Opens the environment on first use; replaces a corrupt one with a new one. A directory that cannot be written is
    /// opened read-only; null when there is nothing to read and the directory cannot be created.
    /// </summary>
    private LightningEnvironment? GetEnvironment()
    {
        lock (_openGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_environment is not null)
            {
                return _environment;
            }

            LmdbNativeLibraryResolver.Register(_nativeLibrary);
            if (_readerOnly)
            {
                return OpenAsReader();
            }

            if (!TryCreateDirectory(out var unwritable))
            {
                // Nothing to read, and nothing can be written: the chain moves on, and the state says why.
                ReportNotWritable(unwritable!);
                return null;
            }

            // The pre-check knows the LMDB 0.9 file layout only (the system library on Debian 12); LMDB 1.x files have
            // another page header, and an LMDB 1.x library checks its own meta pages more closely.
            var version = LibraryVersion();
            var problem = version.Major == 0 ? LmdbDataFile.Check(_path) : null;
            if (problem is not null)
            {
                MoveAside(problem);
                CreateDirectory();
            }

            LightningEnvironment environment;
            try
            {
                environment = Open();
            }
            catch (LightningException ex) when (LmdbFailure.IsDamagedFiles(ex))
            {
                // LMDB refuses the files (not an LMDB file, another data version, damaged): a new cache replaces them.
                MoveAside(LmdbFailure.Describe(ex));
                CreateDirectory();
                environment = OpenOrExplain();
            }
            catch (LightningException ex) when (LmdbFailure.IsUnwritable(ex))
            {
                // A read-only or unwritable directory: what it holds is still served.
                var why = LmdbFailure.Describe(ex);
                if (OpenReadOnly(why) is not { } readOnly)
                {
                    return null;
                }

                _environment = readOnly;
                return readOnly;
            }
            catch (LightningException ex)
            {
                // Not about the files (read-only or full disk, I/O, address space): they are kept as they are.
                throw new LmdbUnavailableException($"LMDB cannot open {_path}: {LmdbFailure.Describe(ex)}", ex);
            }

            LmdbLog.Opened(_logger, _path, $"{LmdbNativeLibraryResolver.Loaded ?? "resolved by the host"}, LMDB {version.Major}.{version.Minor}.{version.Patch}", _mapSize);
            _environment = environment;
            return environment;
        }
    }

    /// <summary>
    /// The configured cache on a directory that cannot be written: what it holds is served (event 2109), and the state
    /// says the cache is not written. Null when there is no data file.
    /// </summary>
    private LightningEnvironment? OpenReadOnly(string why)
    {
        ReportNotWritable(why);
        var environment = OpenWithoutLock("on a directory that cannot be written");
        if (environment is not null)
        {
            LmdbLog.OpenedReadOnly(_logger, _path, why);
        }

        return environment;
    }

    /// <summary>As a previous cache: read, never written.</summary>
    private LightningEnvironment? OpenAsReader() => _environment = OpenWithoutLock("as a previous cache");

    /// <summary>
    /// Opens the directory read-only without a lock file (<c>MDB_RDONLY | MDB_NOLOCK</c>): LMDB's lock file must be
    /// writable, and on a directory nobody writes there is no writer to coordinate with. A damaged directory (the
    /// pre-check) or another layout is reported and left as it is: it cannot, or must not, be moved aside. Null when
    /// there is no data file.
    /// </summary>
    private LightningEnvironment? OpenWithoutLock(string role)
    {
        if (!File.Exists(Path.Combine(_path, LmdbDataFile.DataFileName)))
        {
            return null;
        }

        if (LibraryVersion().Major == 0 && LmdbDataFile.Check(_path) is { } problem)
        {
            throw new LmdbCorruptException($"LMDB cache {_path} is damaged ({problem}); {role} it is left as it is");
        }

        var environment = new LightningEnvironment(_path, new EnvironmentConfiguration { MapSize = _mapSize, MaxReaders = _maxReaders });
        try
        {
            environment.Open(EnvironmentOpenFlags.ReadOnly | EnvironmentOpenFlags.NoLock | EnvironmentOpenFlags.NoThreadLocalStorage);
            if (!HasExpectedFormat(environment, out var found))
            {
                throw new LmdbCorruptException($"LMDB cache {_path} has format tag '{found}', this library reads '{FormatTag}'; {role} it is left as it is");
            }
        }
        catch (LightningException ex)
        {
            environment.Dispose();
            throw new LmdbUnavailableException($"LMDB cannot open {_path} read-only: {LmdbFailure.Describe(ex)}", ex);
        }
        catch
        {
            environment.Dispose();
            throw;
        }

        Volatile.Write(ref _readOnly, true);
        return environment;
    }

    private void ReportNotWritable(string why) =>
        _writes?.MarkNotWritten(LocalWriteStatus.Cache, _path, $"{why}; the LMDB cache is read (read-only, no lock file) but not written, so a restart would not find a configuration applied from now on");

    /// <summary>Before a write: an environment opened read-only is reopened once its directory can be written again.</summary>
    private void ReopenIfWritableAgain()
    {
        if (_readerOnly || !Volatile.Read(ref _readOnly) || LocalWriteStatus.ProbeDirectory(_path) is not null)
        {
            return;
        }

        _lifetime.EnterWriteLock();
        try
        {
            lock (_openGate)
            {
                _environment?.Dispose();
                _environment = null;
                Volatile.Write(ref _readOnly, false);
            }
        }
        finally
        {
            _lifetime.ExitWriteLock();
        }
    }

    /// <summary>The version of the native library in use (loads it on first use).</summary>
    private LightningVersionInfo LibraryVersion()
    {
        using var probe = new LightningEnvironment(_path);
        return probe.Version;
    }

    private LightningEnvironment OpenOrExplain()
    {
        try
        {
            return Open();
        }
        catch (LightningException ex)
        {
            throw new LmdbUnavailableException($"LMDB cannot open a new cache at {_path}: {LmdbFailure.Describe(ex)}", ex);
        }
    }

    private LightningEnvironment Open()
    {
        var environment = new LightningEnvironment(_path, new EnvironmentConfiguration { MapSize = _mapSize, MaxReaders = _maxReaders });
        try
        {
            environment.Open(
                EnvironmentOpenFlags.NoThreadLocalStorage,
                UnixAccessMode.OwnerRead | UnixAccessMode.OwnerWrite);

            // Reader slots of killed processes (a crashed node, a copied lock file) are freed at once.
            var stale = environment.CheckStaleReaders();
            if (stale > 0)
            {
                LmdbLog.StaleReadersCleared(_logger, _path, stale);
            }

            CheckFormat(environment);
            return environment;
        }
        catch
        {
            environment.Dispose();
            throw;
        }
    }

    /// <summary>Discards a cache written in another layout instead of loading it.</summary>
    private void CheckFormat(LightningEnvironment environment)
    {
        if (HasExpectedFormat(environment, out var found))
        {
            return;
        }

        LmdbLog.FormatMismatch(_logger, _path, found, FormatTag);
        using var write = environment.BeginTransaction();
        var main = write.OpenDatabase();
        write.TruncateDatabase(main).ThrowOnError();
        write.Commit().ThrowOnError();
    }

    /// <summary>Whether the environment is empty or holds this layout's format tag; <paramref name="found"/> is the tag it holds.</summary>
    private static bool HasExpectedFormat(LightningEnvironment environment, out string found)
    {
        using var tx = environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        var db = tx.OpenDatabase();
        var (formatCode, _, format) = tx.Get(db, FormatKey);
        var (configCode, _, _) = tx.Get(db, ConfigKey);
        if (formatCode == MDBResultCode.NotFound && configCode == MDBResultCode.NotFound)
        {
            found = string.Empty;
            return true;
        }

        found = formatCode == MDBResultCode.Success ? Encoding.UTF8.GetString(format.AsSpan()) : "(none)";
        return found == FormatTag;
    }

    /// <summary>Closes the environment and moves its directory aside, for a corruption found after opening.</summary>
    private void Quarantine(string why)
    {
        _lifetime.EnterWriteLock();
        try
        {
            lock (_openGate)
            {
                _environment?.Dispose();
                _environment = null;
                if (!_disposed && !_readerOnly)
                {
                    MoveAside(why);
                }
            }
        }
        catch (LmdbCorruptException)
        {
            // Logged; the cache stays unusable until the directory is fixed.
        }
        finally
        {
            _lifetime.ExitWriteLock();
        }
    }

    /// <exception cref="LmdbCorruptException">The directory could not be moved.</exception>
    private void MoveAside(string why)
    {
        var target = $"{_path}.corrupt-{_timeProvider.GetUtcNow():yyyyMMdd'T'HHmmssfff}";
        for (var i = 1; Directory.Exists(target) || File.Exists(target); i++)
        {
            target = $"{_path}.corrupt-{_timeProvider.GetUtcNow():yyyyMMdd'T'HHmmssfff}-{i}";
        }

        try
        {
            Directory.Move(_path, target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LmdbLog.CannotMoveAside(_logger, _path, why, ex);
            throw new LmdbCorruptException($"LMDB cache {_path} is corrupt ({why}) and could not be moved aside: {ex.Message}", ex);
        }

        LmdbLog.MovedAside(_logger, _path, why, target);
    }

    private void CreateDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_path);
        }
        else
        {
            Directory.CreateDirectory(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Creates the directory unless it exists; false (with why) when it does not exist and cannot be created.</summary>
    private bool TryCreateDirectory(out string? unwritable)
    {
        unwritable = null;
        try
        {
            CreateDirectory();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && LocalWriteStatus.IsUnwritable(ex))
        {
            unwritable = ex.Message;
            return false;
        }
    }

    private long DataFileLength()
    {
        var info = new FileInfo(Path.Combine(_path, LmdbDataFile.DataFileName));
        return info.Exists ? info.Length : 0;
    }

    private void Report(Exception ex)
    {
        if (LmdbNativeLibraryResolver.IsLoadFailure(ex))
        {
            LmdbLog.NativeLibraryMissing(_logger, _path, LmdbNativeLibraryResolver.Explain(ex).Message);
        }
        else if (ex is LmdbCorruptException)
        {
            LmdbLog.Unusable(_logger, _path, ex.Message);
        }
        else if (ex is LmdbNativeLibraryException)
        {
            LmdbLog.NativeLibraryMissing(_logger, _path, ex.Message);
        }
        else if (ex is LmdbUnavailableException or IOException or UnauthorizedAccessException)
        {
            LmdbLog.CannotOpen(_logger, _path, ex.Message);
        }
        else
        {
            LmdbLog.Unusable(_logger, _path, ex is LightningException ? LmdbFailure.Describe(ex) : ex.Message);
        }
    }

    private static bool IsUnusable(Exception ex) =>
        ex is LightningException or LmdbUnavailableException or LmdbNativeLibraryException or IOException or UnauthorizedAccessException
        || LmdbNativeLibraryResolver.IsLoadFailure(ex);
}
