using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Resilience.Integration.Tests;

/// <summary>The sample control plane as a separate process, on free loopback ports, with a PKI from <see cref="ControlPlanePki"/>.</summary>
internal sealed class ControlPlaneProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ControlPlaneProcess(Process process, int hubPort, int adminPort)
    {
        _process = process;
        HubPort = hubPort;
        AdminPort = adminPort;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int HubPort { get; }

    public int AdminPort { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Gets the process id (its peak working set and CPU time are read from /proc).</summary>
    public int ProcessId => _process.Id;

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

    /// <summary>Starts the sample control plane and waits until it serves its configuration.</summary>
    /// <param name="pki">Its certificates and the CA it trusts.</param>
    /// <param name="configPath">The configuration file it publishes.</param>
    /// <param name="client">The client that polls it.</param>
    /// <param name="settings">More configuration (for example <c>DataPlaneHub:Admission:*</c>), passed as environment variables.</param>
    public static async Task<ControlPlaneProcess> StartAsync(ControlPlanePki pki, string configPath, HttpClient client, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = RepositoryPaths.SampleDll("ControlPlane");
        Assert.True(File.Exists(dll), $"{dll} is missing; build the solution first");
        var hubPort = FreePort.Next();
        var adminPort = FreePort.Next();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        var environment = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["ControlPlane:HubPort"] = hubPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ControlPlane:AdminPort"] = adminPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ControlPlane:ServerCertificatePath"] = pki.ServerCertificatePath,
            ["ControlPlane:ServerKeyPath"] = pki.ServerKeyPath,
            ["ControlPlane:ConfigPath"] = configPath,
            ["DataPlaneHub:AuthenticationMode"] = "Pki",
            ["DataPlaneHub:TrustedCaPath"] = pki.CaPath,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var controlPlane = new ControlPlaneProcess(Process.Start(start)!, hubPort, adminPort);
        await controlPlane.WaitUntilAsync(async () => (await client.GetAsync($"http://127.0.0.1:{adminPort}/config")).IsSuccessStatusCode, TimeSpan.FromSeconds(60));
        return controlPlane;
    }

    /// <summary>Polls a condition until it holds; fails at once if the process exits.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout) =>
        Eventually.HoldsAsync(
            condition,
            "the control plane's condition",
            timeout,
            failIf: () => _process.HasExited ? "the control plane exited:\n" + Output : null,
            retryOn: ex => ex is HttpRequestException or SocketException or TaskCanceledException,
            detail: () => "control plane output:\n" + Output);

    /// <summary>SIGTERM, as an orchestrator stopping the control plane; returns how long the process took to exit.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return stopwatch.Elapsed;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
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
