using System.Reflection;
using System.Runtime.InteropServices;
using LightningDB;

namespace Resilience;

/// <summary>
/// Finds the native LMDB library for LightningDB, as <see cref="LmdbConfigCacheOptions.NativeLibrary"/> says. LightningDB
/// ships a <c>liblmdb.so</c> built against glibc 2.38, which does not load on Debian 12 (glibc 2.36) and other older
/// distributions; there <see cref="LmdbNativeLibrary.Auto"/> uses the system library <c>liblmdb.so.0</c> (Debian/Ubuntu
/// package <c>liblmdb0</c>) instead.
/// </summary>
/// <remarks>
/// Process-wide by nature: .NET accepts one <see cref="NativeLibrary.SetDllImportResolver"/> per assembly and binds a
/// library once. This is the one piece of static state of the package, and it holds only that: the first explicit choice
/// (<see cref="LmdbNativeLibrary.Bundled"/> or <see cref="LmdbNativeLibrary.System"/>) wins, <see cref="LmdbNativeLibrary.Auto"/>
/// accepts whatever is chosen or loaded, and a conflicting later choice is refused with a clear error. When the host set
/// its own resolver for LightningDB first, the host decides and only <see cref="LmdbNativeLibrary.Auto"/> is accepted.
/// </remarks>
internal static class LmdbNativeLibraryResolver
{
    /// <summary>The library name LightningDB imports.</summary>
    public const string ImportName = "lmdb";

    /// <summary>The Debian/Ubuntu package that provides the system library.</summary>
    public const string SystemPackage = "liblmdb0";

    /// <summary>System libraries tried, in order.</summary>
    public static readonly IReadOnlyList<string> SystemCandidates = OperatingSystem.IsMacOS()
        ? ["liblmdb.0.dylib", "liblmdb.dylib"]
        : ["liblmdb.so.0", "liblmdb.so"];

    private static readonly object Gate = new();
    private static bool _installed;
    private static bool _hostResolver;
    private static LmdbNativeLibrary _choice;
    private static LmdbNativeLibrary? _loadedKind;
    private static string? _loaded;
    private static string? _failure;

    /// <summary>Gets which library was loaded (bundled or a system file name), once LMDB was first used through the resolver.</summary>
    public static string? Loaded => Volatile.Read(ref _loaded);

    /// <summary>Installs the resolver (once per process) with <paramref name="choice"/>, or checks that it agrees with the choice made first.</summary>
    /// <exception cref="LmdbNativeLibraryException">Another library was chosen or loaded in this process, or the host's resolver decides.</exception>
    public static void Register(LmdbNativeLibrary choice)
    {
        lock (Gate)
        {
            if (!_installed && !_hostResolver)
            {
                try
                {
                    NativeLibrary.SetDllImportResolver(typeof(LightningEnvironment).Assembly, Resolve);
                    _installed = true;
                }
                catch (InvalidOperationException)
                {
                    _hostResolver = true; // The host set a resolver for LightningDB already; it decides.
                }
            }

            if (Conflict(choice) is { } conflict)
            {
                throw new LmdbNativeLibraryException(conflict);
            }

            if (choice != LmdbNativeLibrary.Auto && _loadedKind is null)
            {
                _choice = choice;
            }
        }
    }

    /// <summary>Why <paramref name="choice"/> cannot be used in this process, or <see langword="null"/>.</summary>
    public static string? Conflict(LmdbNativeLibrary choice)
    {
        lock (Gate)
        {
            if (choice == LmdbNativeLibrary.Auto)
            {
                return null;
            }

            if (_hostResolver)
            {
                return $"{LmdbConfigCacheDefaults.Section}:NativeLibrary is {choice}, but the host set its own native library resolver for LightningDB, which decides; use Auto";
            }

            var taken = _loadedKind ?? (_choice == LmdbNativeLibrary.Auto ? null : _choice);
            return taken is { } first && first != choice
                ? $"{LmdbConfigCacheDefaults.Section}:NativeLibrary is {choice}, but this process already {(_loadedKind is null ? "chose" : "loaded")} the {first} LMDB library; " +
                  "the native library is chosen once per process (the first LMDB cache decides), so every LMDB cache of a process must name the same one"
                : null;
        }
    }

    /// <summary>Why the library <paramref name="choice"/> names does not load here, or <see langword="null"/> (always for <see cref="LmdbNativeLibrary.Auto"/>, whose failure the cache logs when it opens).</summary>
    public static string? CheckLoads(LmdbNativeLibrary choice)
    {
        switch (choice)
        {
            case LmdbNativeLibrary.Bundled:
                if (TryLoadBundled(typeof(LightningEnvironment).Assembly, null, out var handle, out var error))
                {
                    NativeLibrary.Free(handle);
                    return null;
                }

                return $"the LMDB library bundled with LightningDB does not load ({error}). It needs glibc 2.38 or newer; on older systems (Debian 12, Ubuntu 22.04) choose System and install {SystemPackage}";
            case LmdbNativeLibrary.System:
                var system = TryLoadFirst(SystemCandidates, out _, out var errors);
                if (system != IntPtr.Zero)
                {
                    NativeLibrary.Free(system);
                    return null;
                }

                return $"no system LMDB library loads ({errors}); install it: apt-get install {SystemPackage} (provides liblmdb.so.0)";
            default:
                return null;
        }
    }

    /// <summary>Whether an exception means the native library (or one of its functions) could not be loaded.</summary>
    public static bool IsLoadFailure(Exception ex) =>
        ex is DllNotFoundException or EntryPointNotFoundException
        || (ex is TypeInitializationException { InnerException: { } inner } && IsLoadFailure(inner));

    /// <summary>Turns a failed native load into an error that says what to install.</summary>
    public static Exception Explain(Exception loadFailure) =>
        new DllNotFoundException(MissingLibraryMessage(Volatile.Read(ref _failure) ?? loadFailure.Message), loadFailure);

    /// <summary>The message for "no LMDB library loads".</summary>
    public static string MissingLibraryMessage(string details) =>
        $"The native LMDB library could not be loaded ({details}). The library bundled with LightningDB needs glibc 2.38 or newer; " +
        $"on older systems (Debian 12, Ubuntu 22.04) install the system library: apt-get install {SystemPackage} (provides liblmdb.so.0).";

    /// <summary>Loads the first library that loads, in order.</summary>
    /// <returns>The handle, or <see cref="IntPtr.Zero"/> with every candidate's error.</returns>
    internal static IntPtr TryLoadFirst(IEnumerable<string> candidates, out string loaded, out string errors)
    {
        var failures = new List<string>();
        foreach (var candidate in candidates)
        {
            try
            {
                var handle = NativeLibrary.Load(candidate);
                loaded = candidate;
                errors = string.Empty;
                return handle;
            }
            catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException)
            {
                failures.Add($"{candidate}: {ex.Message}");
            }
        }

        loaded = string.Empty;
        errors = string.Join("; ", failures);
        return IntPtr.Zero;
    }

    private static bool TryLoadBundled(Assembly assembly, DllImportSearchPath? searchPath, out IntPtr handle, out string error)
    {
        try
        {
            // The runtime's usual probing (the application's runtimes/<rid>/native folder); it does not call resolvers.
            handle = NativeLibrary.Load(ImportName, assembly, searchPath);
            error = string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException)
        {
            handle = IntPtr.Zero;
            error = ex.Message;
            return false;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != ImportName)
        {
            return IntPtr.Zero;
        }

        lock (Gate)
        {
            var choice = _choice;
            var bundledError = "not tried (NativeLibrary is System)";
            if (choice != LmdbNativeLibrary.System)
            {
                if (TryLoadBundled(assembly, searchPath, out var bundled, out bundledError))
                {
                    return Record(LmdbNativeLibrary.Bundled, "bundled with LightningDB", bundled);
                }

                if (choice == LmdbNativeLibrary.Bundled)
                {
                    // Thrown, not IntPtr.Zero: the runtime would go on probing on its own.
                    Volatile.Write(ref _failure, $"bundled: {bundledError}");
                    throw new DllNotFoundException(MissingLibraryMessage($"NativeLibrary is Bundled; bundled: {bundledError}"));
                }
            }

            var system = TryLoadFirst(SystemCandidates, out var loadedName, out var systemErrors);
            if (system != IntPtr.Zero)
            {
                return Record(LmdbNativeLibrary.System, $"system {loadedName}", system);
            }

            Volatile.Write(ref _failure, $"bundled: {bundledError}; system: {systemErrors}");
            if (choice == LmdbNativeLibrary.System)
            {
                // Not IntPtr.Zero: the runtime's own probing would then load the bundled library after all.
                throw new DllNotFoundException(MissingLibraryMessage($"NativeLibrary is System; system: {systemErrors}"));
            }

            return IntPtr.Zero;
        }
    }

    private static IntPtr Record(LmdbNativeLibrary kind, string description, IntPtr handle)
    {
        _loadedKind = kind;
        Volatile.Write(ref _loaded, description);
        return handle;
    }
}
