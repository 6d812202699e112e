using System.Reflection;
using System.Runtime.InteropServices;
using LightningDB;

namespace Resilience;

/// <summary>
/// Finds the native LMDB library for LightningDB. LightningDB ships a <c>liblmdb.so</c> built
/// against glibc 2.38, which does not load on Debian 12 (glibc 2.36) and other older
/// distributions; there the system library <c>liblmdb.so.0</c> (Debian/Ubuntu package
/// <c>liblmdb0</c>) is used instead. When neither loads, opening the cache fails with a message
/// that names the package.
/// </summary>
internal static class LmdbNativeLibrary
{
    /// <summary>The library name LightningDB imports.</summary>
    public const string ImportName = "lmdb";

    /// <summary>The Debian/Ubuntu package that provides the system library.</summary>
    public const string SystemPackage = "liblmdb0";

    /// <summary>System libraries tried, in order, when the bundled one does not load.</summary>
    public static readonly IReadOnlyList<string> SystemCandidates = OperatingSystem.IsMacOS()
        ? ["liblmdb.0.dylib", "liblmdb.dylib"]
        : ["liblmdb.so.0", "liblmdb.so"];

    private static readonly object Gate = new();
    private static bool _installed;
    private static string? _loaded;
    private static string? _failure;

    /// <summary>Gets which library was loaded (bundled or a system file name), once LMDB was first used through the resolver.</summary>
    public static string? Loaded => Volatile.Read(ref _loaded);

    /// <summary>Installs the resolver once per process; harmless when the host installed its own.</summary>
    public static void EnsureResolver()
    {
        if (Volatile.Read(ref _installed))
        {
            return;
        }

        lock (Gate)
        {
            if (_installed)
            {
                return;
            }

            try
            {
                NativeLibrary.SetDllImportResolver(typeof(LightningEnvironment).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // The host set a resolver for LightningDB already; it decides.
            }

            Volatile.Write(ref _installed, true);
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
            catch (DllNotFoundException ex)
            {
                failures.Add($"{candidate}: {ex.Message}");
            }
            catch (BadImageFormatException ex)
            {
                failures.Add($"{candidate}: {ex.Message}");
            }
        }

        loaded = string.Empty;
        errors = string.Join("; ", failures);
        return IntPtr.Zero;
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != ImportName)
        {
            return IntPtr.Zero;
        }

        // The bundled library first (the runtime's usual probing), then the system's.
        string bundledError;
        try
        {
            var bundled = NativeLibrary.Load(libraryName, assembly, searchPath);
            Volatile.Write(ref _loaded, "bundled with LightningDB");
            return bundled;
        }
        catch (DllNotFoundException ex)
        {
            bundledError = ex.Message;
        }
        catch (BadImageFormatException ex)
        {
            bundledError = ex.Message;
        }

        var system = TryLoadFirst(SystemCandidates, out var loadedName, out var systemErrors);
        if (system != IntPtr.Zero)
        {
            Volatile.Write(ref _loaded, $"system {loadedName}");
            return system;
        }

        Volatile.Write(ref _failure, $"bundled: {bundledError}; system: {systemErrors}");
        return IntPtr.Zero;
    }
}
