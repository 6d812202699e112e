using System.Diagnostics;
using System.Text;

namespace Resilience.Packaging.Tests;

/// <summary>A <c>dotnet</c> child process (pack, build, or the packaged gateway) with its output captured.</summary>
internal sealed class DotnetProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _standardOutput = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DotnetProcess(ProcessStartInfo start)
    {
        CommandLine = start.FileName + " " + string.Join(' ', start.ArgumentList);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data, _stdoutClosed, _standardOutput);
        _process.ErrorDataReceived += (_, e) => Append(e.Data, _stderrClosed, standardOutput: null);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string CommandLine { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static DotnetProcess Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        Start("dotnet", workingDirectory, environment, arguments);

    /// <summary>Runs one command line through bash, as a reader pastes it into a terminal.</summary>
    public static DotnetProcess StartShell(string workingDirectory, IReadOnlyDictionary<string, string>? environment, string commandLine) =>
        Start("bash", workingDirectory, environment, "-c", "set -o pipefail; " + commandLine);

    private static DotnetProcess Start(string program, string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // `dotnet test` leaves MSBuild settings in the environment that would steer a nested build to its SDK and nodes.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new DotnetProcess(start);
    }

    /// <summary>Runs a command to completion; fails the test with its output when it exits non-zero or outlives the deadline.</summary>
    public static Task<string> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        WaitAsync(Start(workingDirectory, environment: null, arguments), timeout);

    /// <summary>Runs a shell command line to completion, as <see cref="RunAsync"/> does a dotnet command.</summary>
    public static Task<string> RunShellAsync(string workingDirectory, TimeSpan timeout, string commandLine, IReadOnlyDictionary<string, string>? environment = null) =>
        WaitAsync(StartShell(workingDirectory, environment, commandLine), timeout);

    /// <summary>
    /// Runs a shell command line to completion and returns its exit code, its standard output alone (curl writes its
    /// progress meter to standard error when its output is not a terminal) and all of its output; kills it and
    /// returns <see langword="null"/> past the deadline.
    /// </summary>
    public static async Task<(int ExitCode, string StandardOutput, string Output)?> TryRunShellAsync(string workingDirectory, TimeSpan timeout, string commandLine)
    {
        using var process = StartShell(workingDirectory, environment: null, commandLine);
        if (!await process.WaitForExitAndOutputAsync(timeout))
        {
            return null;
        }

        lock (process._output)
        {
            return (process._process.ExitCode, process._standardOutput.ToString(), process._output.ToString());
        }
    }

    private static async Task<string> WaitAsync(DotnetProcess started, TimeSpan timeout)
    {
        using var process = started;
        var elapsed = Stopwatch.StartNew();
        if (!await process.WaitForExitAndOutputAsync(timeout))
        {
            Assert.Fail($"`{process.CommandLine}` did not finish within {timeout}; output:\n{process.Output}");
        }

        Assert.True(
            process._process.ExitCode == 0,
            $"`{process.CommandLine}` exited with {process._process.ExitCode} after {elapsed.Elapsed.TotalSeconds:F0} s; output:\n{process.Output}");
        return process.Output;
    }

    /// <summary>Waits for the exit, then for the last output (a line without a newline arrives when its pipe closes).</summary>
    private async Task<bool> WaitForExitAndOutputAsync(TimeSpan timeout)
    {
        // A finite wait does not wait for the pipes: a compiler server started by the build may hold them open.
        if (!await Task.Run(() => _process.WaitForExit(timeout)))
        {
            Kill();
            return false;
        }

        await Task.WhenAny(Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task), Task.Delay(TimeSpan.FromSeconds(5)));
        return true;
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line, TaskCompletionSource closed, StringBuilder? standardOutput)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            standardOutput?.AppendLine(line);
        }
    }
}
