using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Resilience.Tests.S3rver;

/// <summary>
/// A real <c>s3rver</c> (S3-compatible server, npm) on 127.0.0.1 with a free port and a temporary directory,
/// with one bucket. Installed into <c>tools/s3rver</c> by <c>scripts/setup.sh</c>; killed on dispose.
/// </summary>
public sealed class S3rverServer : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private readonly Process _process;
    private readonly string _directory;

    private S3rverServer(Process process, string directory, int port, string bucket)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Bucket = bucket;
    }

    public int Port { get; }

    public string Bucket { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Gets the server's process id (tests freeze it with SIGSTOP to make the store unreachable).</summary>
    public int ProcessId => _process.Id;

    public static S3rverServer Start(string bucket)
    {
        var root = FindRepositoryRoot();
        var executable = Path.Combine(root, "tools", "s3rver", "node_modules", ".bin", "s3rver");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"s3rver is not installed ({executable} is missing). Run 'bash scripts/setup.sh' in {root} once.");
        }

        var directory = Path.Combine(Path.GetTempPath(), "resilience-s3rver-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var info = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "--directory", directory, "--address", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--configure-bucket", bucket })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (WaitUntilAnswering(port, process, TimeSpan.FromSeconds(30)))
            {
                return new S3rverServer(process, directory, port, bucket);
            }

            Kill(process);
            if (attempt == 3)
            {
                throw new InvalidOperationException($"s3rver did not answer on 127.0.0.1:{port} within 30 s (exit code {(process.HasExited ? process.ExitCode : -1)}).");
            }
        }
    }

    public void Dispose()
    {
        Kill(_process);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
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

    private static void Kill(Process process)
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

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Polls an HTTP request until s3rver answers (any status), the process exits, or the deadline passes.</summary>
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
