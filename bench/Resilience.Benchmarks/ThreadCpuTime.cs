using System.Runtime.InteropServices;

namespace Resilience.Benchmarks;

/// <summary>
/// The calling thread's CPU time in nanoseconds (CLOCK_THREAD_CPUTIME_ID). On a loaded machine wall time
/// also counts the time a writer waited for a core; CPU time counts only what recording cost, cache misses
/// on a contended counter included.
/// </summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Gets the calling thread's CPU time so far, or 0 where the clock is not available.</summary>
    public static long Nanoseconds()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTimeId, out var now) != 0)
        {
            return 0;
        }

        return (now.Seconds * 1_000_000_000L) + now.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
