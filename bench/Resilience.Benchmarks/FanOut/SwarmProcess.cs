using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Resilience.Benchmarks;

/// <summary>The <see cref="FanOutSwarm"/> child process, started from this executable; its report lines become awaitable events.</summary>
internal sealed class SwarmProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _events = new(StringComparer.Ordinal);

    private SwarmProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.WriteLine($"// swarm: {e.Data}");
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static SwarmProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The apphost when run as an executable, else "dotnet <this assembly>".
        var host = Environment.ProcessPath!;
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(FanOutSwarm).Assembly.Location);
        }

        start.ArgumentList.Add(FanOutSwarm.Command);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new SwarmProcess(Process.Start(start)!);
    }

    /// <summary>Waits for a report line (<c>kind id</c>) and returns its timestamp.</summary>
    public async Task<long> WaitAsync(string key, TimeSpan? timeout = null)
    {
        var pending = _events.GetOrAdd(key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        var limit = timeout ?? TimeSpan.FromMinutes(2);
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(pending, exited, Task.Delay(limit));
        if (first != pending)
        {
            throw new TimeoutException(_process.HasExited ? $"the swarm exited ({_process.ExitCode}) before '{key}'" : $"no '{key}' from the swarm within {limit}");
        }

        return await pending;
    }

    public void Dispose()
    {
        // Closing stdin ends the swarm.
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        var parts = line.Split(' ');
        var key = parts.Length >= 2 ? $"{parts[0]} {parts[1]}" : parts[0];
        var timestamp = parts.Length >= 3 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
        _events.GetOrAdd(key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(timestamp);
    }
}
