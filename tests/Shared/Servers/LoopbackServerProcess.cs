using System.Diagnostics;

namespace Resilience.Tests.Servers;

/// <summary>
/// Starts a real server installed under <c>tools/</c> by <c>scripts/setup.sh</c> (s3rver, Azurite) on 127.0.0.1 with a
/// free port, waits until it answers HTTP, and kills it: the part every such test fixture shares.
/// </summary>
public static class LoopbackServerProcess
{
    /// <summary>Starts <c>tools/&lt;tool&gt;/node_modules/.bin/&lt;command&gt;</c> with the arguments for a port; three tries on fresh ports.</summary>
    public static (Process Process, int Port) Start(string tool, string command, Func<int, IEnumerable<string>> arguments, TimeSpan deadline)
    {
        var root = FindRepositoryRoot();
        var executable = Path.Combine(root, "tools", tool, "node_modules", ".bin", command);
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"{tool} is not installed ({executable} is missing). Run 'bash scripts/setup.sh' in {root} once.");
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var info = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments(port))
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (WaitUntilAnswering(port, process, deadline))
            {
                return (process, port);
            }

            Kill(process);
            if (attempt == 3)
            {
                throw new InvalidOperationException($"{command} did not answer on 127.0.0.1:{port} within {deadline} (exit code {(process.HasExited ? process.ExitCode : -1)}).");
            }
        }
    }

    /// <summary>The directory holding Resilience.sln, found by walking up from the test binaries.</summary>
    public static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Resilience.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Resilience.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Kills the process (and its children) and disposes it.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    /// <summary>Deletes a server's data directory, ignoring what is already gone.</summary>
    public static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Polls an HTTP request until the server answers (any status), the process exits, or the deadline passes.</summary>
    private static bool WaitUntilAnswering(int port, Process process, TimeSpan deadline)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < deadline && !process.HasExited)
        {
            try
            {
                using var response = client.GetAsync(new Uri($"http://127.0.0.1:{port}/")).GetAwaiter().GetResult();
                return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            process.WaitForExit(50);
        }

        return false;
    }
}
