using System.Collections.Immutable;

namespace Resilience;

/// <summary>
/// Which of this node's local files are not being written, for <see cref="DataPlaneState.UnwrittenFiles"/> and health.
/// Every component that keeps a file beside the cache (the cache itself, the node id, the licence, the configuration
/// history) marks its file not written when a write fails or its directory cannot be written, and written again when a
/// write succeeds. Start-up never fails for a file the node only wants to write: it carries on and says so here.
/// </summary>
/// <remarks>Registered once per node by <c>AddDataPlaneResilience</c>; cache packages take it from the container.</remarks>
public sealed class LocalWriteStatus
{
    /// <summary>The name of the configuration cache's entry (<c>config.json.gz</c>, <c>dbless.lmdb</c>, ...).</summary>
    public const string Cache = "cache";

    /// <summary>The name of the node id file's entry (<c>node-id</c>).</summary>
    public const string NodeId = "node-id";

    /// <summary>The name of the licence file's entry (<c>license.json</c>).</summary>
    public const string License = "license";

    private readonly TimeProvider _timeProvider;
    private readonly object _gate = new();
    private ImmutableDictionary<string, UnwrittenFile> _unwritten = ImmutableDictionary.Create<string, UnwrittenFile>(StringComparer.Ordinal);
    private IReadOnlyList<UnwrittenFile> _current = [];

    /// <summary>Creates the status of one node.</summary>
    /// <param name="timeProvider">The clock of <see cref="UnwrittenFile.Since"/>.</param>
    public LocalWriteStatus(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>Raised after an entry was added, changed or removed (outside any lock).</summary>
    internal event Action? Changed;

    /// <summary>Gets the files not being written now, ordered by name.</summary>
    public IReadOnlyList<UnwrittenFile> Current => Volatile.Read(ref _current);

    /// <summary>Gets a value indicating whether the named file is not being written.</summary>
    /// <param name="name">The file's name (for example <see cref="Cache"/>).</param>
    /// <returns><see langword="true"/> while it is marked not written.</returns>
    public bool IsNotWritten(string name) => Volatile.Read(ref _unwritten).ContainsKey(name);

    /// <summary>Marks a file not written (its write failed, or its directory cannot be written). The first mark's time is kept.</summary>
    /// <param name="name">What the file is for.</param>
    /// <param name="path">Where it would be written.</param>
    /// <param name="reason">Why, for operators.</param>
    public void MarkNotWritten(string name, string path, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(reason);
        lock (_gate)
        {
            var since = _unwritten.TryGetValue(name, out var existing) ? existing.Since : _timeProvider.GetUtcNow();
            var entry = new UnwrittenFile(name, path, reason, since);
            if (existing == entry)
            {
                return;
            }

            Publish(_unwritten.SetItem(name, entry));
        }

        Changed?.Invoke();
    }

    /// <summary>Marks a file written again (a write succeeded).</summary>
    /// <param name="name">What the file is for.</param>
    public void MarkWritten(string name)
    {
        lock (_gate)
        {
            if (!_unwritten.ContainsKey(name))
            {
                return;
            }

            Publish(_unwritten.Remove(name));
        }

        Changed?.Invoke();
    }

    /// <summary>
    /// Whether a directory can be written now: a probe file is created in it (or in its nearest existing ancestor, when
    /// it does not exist yet) and deleted. A read-only file system, missing permissions or a full disk all say no.
    /// </summary>
    /// <param name="directory">The directory a component writes its files into.</param>
    /// <returns><see langword="null"/> when it can be written, else the operating system's reason.</returns>
    public static string? ProbeDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var existing = Path.GetFullPath(directory);
        while (!Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return $"no part of {directory} exists";
            }

            existing = parent;
        }

        var probe = Path.Combine(existing, $".write-probe.tmp-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    /// <summary>Whether an exception from a write says the place cannot be written (read-only, permission denied) rather than something transient.</summary>
    /// <param name="exception">The exception a write threw.</param>
    /// <returns><see langword="true"/> for a read-only file system or missing write permission.</returns>
    public static bool IsUnwritable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is UnauthorizedAccessException)
            {
                return true;
            }

            // EROFS (30), EACCES (13), EPERM (1) as .NET reports them from native calls on Unix.
            if (e is IOException io && (io.HResult & 0xFFFF) is 30 or 13 or 1 && !OperatingSystem.IsWindows())
            {
                return true;
            }
        }

        return false;
    }

    private void Publish(ImmutableDictionary<string, UnwrittenFile> unwritten)
    {
        _unwritten = unwritten;
        Volatile.Write(ref _current, unwritten.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray());
    }
}
