using System.Runtime.InteropServices;

namespace Resilience.Benchmarks;

/// <summary>Makes sure this process (and the children it starts, which inherit the limit) may open enough sockets.</summary>
internal static partial class OpenFileLimit
{
    private const int RlimitNoFile = 7;

    /// <summary>Raises the soft limit on open files to at least <paramref name="needed"/> (up to the hard limit), or throws.</summary>
    public static void Require(int needed)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        if (GetRLimit(RlimitNoFile, out var limit) != 0)
        {
            throw new InvalidOperationException($"getrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        if (limit.Current >= (ulong)needed)
        {
            return;
        }

        if (limit.Maximum < (ulong)needed)
        {
            throw new InvalidOperationException($"the benchmark needs {needed} open files; the hard limit is {limit.Maximum} (raise it with ulimit -Hn)");
        }

        limit.Current = (ulong)needed;
        if (SetRLimit(RlimitNoFile, in limit) != 0)
        {
            throw new InvalidOperationException($"setrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
