using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Resilience.Election.Tests;

/// <summary>One <c>Resilience.ElectionHost</c> process; collects its "UPLOAD" and "LOG" lines; freezes, resumes and kills it with signals.</summary>
internal sealed class ExporterProcess : IDisposable
{
    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ExporterProcess(string nodeId, Process process)
    {
        NodeId = nodeId;
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _lines.Enqueue(line);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _lines.Enqueue("STDERR " + line);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string NodeId { get; }

    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <summary>The hashes this process uploaded, in order.</summary>
    public IReadOnlyList<string> Uploads => Lines.Where(l => l.StartsWith("UPLOAD ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToList();

    /// <summary>Gets how many election rounds this process has finished (event 3105), for waits of "N more rounds".</summary>
    public int Rounds => Lines.Count(l => l.StartsWith("LOG 3105 ", StringComparison.Ordinal));

    /// <summary>Gets how many election rounds failed against the store (events 3104 and 3113).</summary>
    public int FailedRounds => Lines.Count(l => l.StartsWith("LOG 3104 ", StringComparison.Ordinal) || l.StartsWith("LOG 3113 ", StringComparison.Ordinal));

    public bool IsLeader => Lines.LastOrDefault(l => l.StartsWith("LOG 3100 ", StringComparison.Ordinal) || l.StartsWith("LOG 3101 ", StringComparison.Ordinal) || l.StartsWith("LOG 3118 ", StringComparison.Ordinal))
        ?.StartsWith("LOG 3100 ", StringComparison.Ordinal) == true;

    public static ExporterProcess Start(string endpoint, string storage, string nodeId, string configFile, TimeSpan interval, TimeSpan grace)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Resilience.ElectionHost.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; the test project references tests/Resilience.ElectionHost");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { dll, endpoint, storage, nodeId, configFile, ((int)interval.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), ((int)grace.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        return new ExporterProcess(nodeId, Process.Start(start)!);
    }

    public void Freeze() => Signal(SigStop);

    public void Resume() => Signal(SigCont);

    public void Kill()
    {
        Signal(SigKill);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Signal(SigCont);
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    /// <summary>Freezes (true) or resumes (false) another process, such as the store.</summary>
    public static void Freeze(int processId, bool frozen) => Assert.Equal(0, kill(processId, frozen ? SigStop : SigCont));

    private void Signal(int signal) => Assert.Equal(0, kill(_process.Id, signal));

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SA1300 // the libc name
    private static extern int kill(int pid, int sig);
#pragma warning restore SA1300
}
