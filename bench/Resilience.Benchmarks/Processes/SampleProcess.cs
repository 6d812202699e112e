using System.Diagnostics;
using System.Globalization;

namespace Resilience.Benchmarks.Processes;

/// <summary>
/// A sample (or the plain YARP baseline) as its own process, <c>dotnet &lt;dll&gt;</c>, with settings as environment
/// variables; every output line is kept with the moment it arrived (<see cref="Stopwatch"/> timestamp).
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<(long At, string Line)> _lines = [];
    private readonly bool _stopGracefully;

    private SampleProcess(Process process, long startedAt, bool stopGracefully)
    {
        _process = process;
        _stopGracefully = stopGracefully;
        StartedAt = startedAt;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Gets the <see cref="Stopwatch"/> timestamp taken just before the process was started.</summary>
    public long StartedAt { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet dll arguments</c> in <paramref name="workingDirectory"/> (its content root).</summary>
    public static SampleProcess Start(string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> settings, string workingDirectory)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            // "Resilience:DataDirectory" -> "Resilience__DataDirectory"; DOTNET_* runtime knobs pass as they are.
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var startedAt = Stopwatch.GetTimestamp();
        var traced = settings.ContainsKey("DOTNET_EnableEventPipe");
        return new SampleProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}"), startedAt, traced);
    }

    /// <summary>The output so far.</summary>
    public IReadOnlyList<(long At, string Line)> Lines()
    {
        lock (_lines)
        {
            return _lines.ToArray();
        }
    }

    /// <summary>The arrival timestamp of the first line after <paramref name="since"/> that contains <paramref name="text"/>.</summary>
    public long? LineAt(string text, long since = 0) =>
        Lines().Where(l => l.At >= since && l.Line.Contains(text, StringComparison.Ordinal)).Select(l => (long?)l.At).FirstOrDefault();

    /// <summary>Resident set size now (<c>/proc/&lt;pid&gt;/status</c>), in bytes.</summary>
    public long Rss()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>Gets the CPU time the process has used so far (user + system, all threads; 10 ms resolution).</summary>
    public TimeSpan CpuTime()
    {
        // /proc/<pid>/stat: the fields after the command's closing parenthesis; utime and stime are the 12th and 13th there.
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>SIGKILL, as a crash: the restart scenario starts from what the disk holds, nothing flushed at exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// SIGTERM, then waits for a graceful exit (SIGKILL after 15 s): a process that traces itself through EventPipe
    /// (<c>DOTNET_EnableEventPipe</c>) writes the method names at exit, and only at a graceful one.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopGracefully)
        {
            await StopAsync();
        }

        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        var at = Stopwatch.GetTimestamp();
        lock (_lines)
        {
            _lines.Add((at, line));
        }

        if (Environment.GetEnvironmentVariable("BENCH_ECHO_CHILDREN") == "1")
        {
            Console.WriteLine($"    | {line}");
        }
    }
}
