using System.Collections.Concurrent;
using System.Diagnostics;

namespace Resilience.Samples.Demo;

/// <summary>One sample running as its own process (<c>dotnet &lt;dll&gt;</c>), its output kept in memory and in a log file.</summary>
internal sealed class ChildProcess : IDisposable
{
    private static readonly ConcurrentDictionary<ChildProcess, bool> Running = new();
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly List<string> _lines = [];
    private bool _closed;

    private ChildProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Running[this] = true;
    }

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> settings, string logPath)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Configuration keys as environment variables ("Resilience:DataDirectory" -> "Resilience__DataDirectory").
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}"), log);
    }

    /// <summary>Kills every child still running (on exit, on failure, on Ctrl+C).</summary>
    public static void KillAll()
    {
        foreach (var child in Running.Keys)
        {
            child.Kill();
        }
    }

    /// <summary>The output lines so far.</summary>
    public IReadOnlyList<string> Lines()
    {
        lock (_lines)
        {
            return _lines.ToArray();
        }
    }

    /// <summary>SIGKILL, no graceful shutdown: as a crash, an OOM kill or a pulled plug.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        Running.TryRemove(this, out _);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        lock (_lines)
        {
            _closed = true;
            _log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }
    }
}
