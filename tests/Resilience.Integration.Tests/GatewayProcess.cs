using System.Diagnostics;
using System.Text;

namespace Resilience.Integration.Tests;

/// <summary>The sample gateway as a separate process on a free loopback port.</summary>
internal sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, string url)
    {
        _process = process;
        Url = url;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The operator key every test gateway gets (<c>Gateway:AdminKey</c>); its admin endpoints refuse callers without it.</summary>
    public const string AdminKey = "integration-test-admin-key";

    /// <summary>The header the sample reads the key from.</summary>
    public const string AdminKeyHeader = "X-Admin-Key";

    public string Url { get; }

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

    /// <summary>Starts the sample gateway and waits until it answers <c>/healthz</c>.</summary>
    /// <param name="settings">Configuration, passed as environment variables.</param>
    /// <param name="client">The client that polls it.</param>
    /// <param name="runAsUserId">
    /// Another user to run it as (through <c>setpriv</c>, from root): permission bits then apply, which root ignores.
    /// Null runs it as this process's user.
    /// </param>
    public static async Task<GatewayProcess> StartAsync(IReadOnlyDictionary<string, string> settings, HttpClient client, int? runAsUserId = null)
    {
        var dll = RepositoryPaths.SampleDll("Gateway");
        Assert.True(File.Exists(dll), $"{dll} is missing; build the solution first");
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var start = new ProcessStartInfo(runAsUserId is null ? "dotnet" : "setpriv") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        if (runAsUserId is { } user)
        {
            var id = user.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var argument in new[] { $"--reuid={id}", $"--regid={id}", "--clear-groups", "--", "dotnet" })
            {
                start.ArgumentList.Add(argument);
            }

            // The runtime and ASP.NET Core look for a home directory; the user's may not exist.
            start.Environment["HOME"] = Path.GetTempPath();
            start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        }

        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Gateway__AdminKey"] = AdminKey;
        var gateway = new GatewayProcess(Process.Start(start)!, url);
        await gateway.WaitUntilAsync(async () => (await client.GetAsync(url + "/healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(60));
        return gateway;
    }

    /// <summary>Polls a condition until it holds or the deadline passes; fails at once if the process exits.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout) =>
        Eventually.HoldsAsync(
            condition,
            "the gateway's condition",
            timeout,
            failIf: () => _process.HasExited ? "the gateway exited:\n" + Output : null,
            retryOn: ex => ex is HttpRequestException or TaskCanceledException,
            detail: () => "gateway output:\n" + Output);

    /// <summary>SIGKILL: no graceful shutdown, as a crash or an OOM kill.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
