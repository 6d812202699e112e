using LightningDB;

namespace Resilience;

/// <summary>
/// What an LMDB error is about. LightningDB wraps the error of <c>mdb_env_open</c> in a <see cref="LightningException"/>
/// whose <see cref="LightningException.StatusCode"/> is 0 ("Failed to open environment at path ..."), with LMDB's own
/// code and <c>mdb_strerror</c> text in an inner one; this finds the innermost code.
/// </summary>
/// <remarks>
/// Damaged or foreign files (the directory is moved aside and a new cache started): <c>MDB_INVALID</c> (not an LMDB file,
/// a meta page LMDB does not accept), <c>MDB_VERSION_MISMATCH</c> (another data version, e.g. written by LMDB 1.x and
/// read by 0.9), <c>MDB_CORRUPTED</c>, <c>MDB_PAGE_NOTFOUND</c>, <c>MDB_PANIC</c>. Everything else is about the
/// environment, not the files (permission denied, read-only file system, no space, I/O error, out of memory or address
/// space, the native library missing): the directory is kept as it is, since it may well be intact.
/// </remarks>
internal static class LmdbFailure
{
    /// <summary>Whether the error says the directory's files are damaged or of another format.</summary>
    public static bool IsDamagedFiles(Exception exception) =>
        Code(exception) is MDBResultCode.Invalid or MDBResultCode.VersionMismatch or MDBResultCode.Corrupted or MDBResultCode.PageNotFound or MDBResultCode.Panic;

    /// <summary>Whether the error says the directory cannot be written (read-only file system, permission denied), not that it is damaged.</summary>
    public static bool IsUnwritable(Exception exception) =>
        (int?)Code(exception) is ReadOnlyFileSystem or PermissionDenied or NotPermitted || LocalWriteStatus.IsUnwritable(exception);

    private const int NotPermitted = 1;      // EPERM
    private const int PermissionDenied = 13; // EACCES
    private const int ReadOnlyFileSystem = 30; // EROFS

    /// <summary>LMDB's code of the innermost LightningDB exception that carries one, or <see langword="null"/>.</summary>
    public static MDBResultCode? Code(Exception exception)
    {
        MDBResultCode? code = null;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is LightningException { StatusCode: not 0 } lightning)
            {
                code = (MDBResultCode)lightning.StatusCode;
            }
        }

        return code;
    }

    /// <summary>LMDB's reason (its <c>mdb_strerror</c> text and code) with LightningDB's context.</summary>
    public static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var text = e is LightningException { StatusCode: not 0 } lightning ? $"{e.Message} (LMDB code {lightning.StatusCode})" : e.Message;
            if (!parts.Contains(text))
            {
                parts.Add(text);
            }
        }

        return string.Join(": ", parts);
    }
}
