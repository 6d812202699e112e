using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Resilience.Packaging.Tests;

/// <summary>
/// The README's quick start, run as a new user runs it: its files written from the README's text, its commands run
/// from the README's text (the PKI command, the upstream, the sample control plane, the gateway with <c>dotnet run</c>
/// restoring the packed packages from a folder plus the public feed), and its checks: a proxied request, health,
/// metrics, the admin endpoint with a development token, the control plane's registry and the export to the store.
/// </summary>
[Collection(PackedCollection.Name)]
public sealed partial class QuickStartTests(PackedLibraries packed, ITestOutputHelper output)
{
    /// <summary>The folder the README's quick start uses; the test puts it in its own temporary folder.</summary>
    private const string ReadmeFolder = "/tmp/gateway-dev";

    [Fact]
    public async Task Readme_quick_start_runs_as_written()
    {
        var elapsed = Stopwatch.StartNew();
        var readme = Path.Combine(RepositoryPaths.Root, "README.md");
        var blocks = ReadmeBlocks.Marked(readme, "quickstart");
        var workspace = Path.Combine(packed.Root, "gateway-dev");
        Directory.CreateDirectory(workspace);

        // What differs from a reader's machine, and only that: the folder, free ports instead of 5100, 8005, 8006 and
        // 5000 (other tests run beside this one), and the packed version (unique per run, so no cache serves an old one).
        var ports = new Dictionary<string, int>
        {
            ["127.0.0.1:5100"] = FreePort.Next(),
            ["localhost:8005"] = FreePort.Next(),
            ["127.0.0.1:8006"] = FreePort.Next(),
            ["127.0.0.1:5000"] = FreePort.Next(),
        };
        string Localize(string text)
        {
            text = text.Replace(ReadmeFolder, workspace, StringComparison.Ordinal);
            foreach (var (address, port) in ports)
            {
                text = text.Replace(address, address.Split(':')[0] + ":" + port, StringComparison.Ordinal);
            }

            return text.Replace("Version=\"0.1.0\"", $"Version=\"{packed.Version}\"", StringComparison.Ordinal);
        }

        string Block(string name) => blocks.SingleOrDefault(b => b.Name == name).Code
            ?? throw new InvalidOperationException($"README.md has no block marked <!-- quickstart: {name} -->");

        // 1. Packages: the README packs with scripts/pack.sh into the feed folder; the fixture packed the same libraries.
        Assert.Contains($"./scripts/pack.sh --output {ReadmeFolder}/feed", Block("pack"), StringComparison.Ordinal);
        var feed = Directory.CreateDirectory(Path.Combine(workspace, "feed")).FullName;
        foreach (var package in Directory.GetFiles(packed.Feed, "*.nupkg"))
        {
            File.Copy(package, Path.Combine(feed, Path.GetFileName(package)));
        }

        // The new project (dotnet new web: its launchSettings.json puts `dotnet run` in Development), then every file
        // the README gives, where it says.
        foreach (var line in Commands(Block("new")))
        {
            await DotnetProcess.RunShellAsync(workspace, TimeSpan.FromMinutes(3), Localize(line.Command));
        }

        var files = blocks.Where(b => b.Name.StartsWith("file=", StringComparison.Ordinal)).ToList();
        Assert.True(files.Count >= 5, $"the quick start gives {files.Count} files; expected the configuration, csproj, nuget.config, Program.cs and appsettings.json");
        foreach (var (name, _, _, code) in files)
        {
            var path = Path.Combine(workspace, name["file=".Length..]);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, Localize(code));
        }

        var processes = new List<DotnetProcess>();
        var project = Path.Combine(workspace, "MyGateway");
        try
        {
            // 2. The PKI, the upstream and the control plane, from the repository root.
            foreach (var line in Commands(Block("run")))
            {
                var command = Localize(line.Command);
                if (command.Contains("samples/ControlPlane", StringComparison.Ordinal))
                {
                    command += $" --ControlPlane:HubPort={ports["localhost:8005"]} --ControlPlane:AdminPort={ports["127.0.0.1:8006"]}";
                }

                if (line.Background)
                {
                    processes.Add(DotnetProcess.StartShell(RepositoryPaths.Root, environment: null, command));
                }
                else
                {
                    output.WriteLine(await DotnetProcess.RunShellAsync(RepositoryPaths.Root, TimeSpan.FromMinutes(8), command));
                }
            }

            foreach (var file in new[] { "ca.pem", "cp.pem", "cp.key", "dp.pem", "dp.key" })
            {
                Assert.True(File.Exists(Path.Combine(workspace, "pki", file)), $"the PKI command wrote no {file}");
            }

            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var admin = $"http://127.0.0.1:{ports["127.0.0.1:8006"]}";
            await EventuallyAsync(async () => (await client.GetAsync(admin + "/config")).IsSuccessStatusCode, "the control plane publishing gateway-config.yaml", TimeSpan.FromMinutes(2), processes);
            output.WriteLine($"control plane up after {elapsed.Elapsed.TotalSeconds:F0} s");

            // 4. The gateway, from its folder: the token, then dotnet run (restore from the folder feed and the public
            // feed, build, run), then the checks.
            var gateway = $"http://127.0.0.1:{ports["127.0.0.1:5000"]}";
            var checks = new List<string>();
            foreach (var line in Commands(Block("gateway")))
            {
                var command = Localize(line.Command);
                if (line.Background)
                {
                    processes.Add(DotnetProcess.StartShell(project, environment: null, command));
                    await EventuallyAsync(async () => (await client.GetAsync(gateway + "/healthz")).IsSuccessStatusCode, "the gateway to start (restore, build, run)", TimeSpan.FromMinutes(8), processes);
                    output.WriteLine($"gateway up after {elapsed.Elapsed.TotalSeconds:F0} s");
                }
                else if (command.StartsWith("dotnet ", StringComparison.Ordinal))
                {
                    await DotnetProcess.RunShellAsync(project, TimeSpan.FromMinutes(3), command);
                }
                else
                {
                    checks.Add(command);
                }
            }

            var expectations = new (string Command, Func<string, bool> Holds, string What)[]
            {
                ("/hello", body => body.Trim() == "upstream saw config quickstart-v1", "the proxied request reaching the upstream with the published route's header"),
                ("/healthz/ready", body => Json(body) is { } health && health.GetProperty("status").GetString() == "Healthy" && health.GetProperty("serving_tier").GetString() == "ControlPlane"
                    && health.GetProperty("link").GetProperty("status").GetString() == "Connected" && health.GetProperty("config").GetProperty("hash").GetString()?.Length == 64
                    && health.GetProperty("last_apply").GetProperty("outcome").GetString() == "Applied", "ready, serving the control plane's configuration"),
                ("/metrics", body => body.Contains("resilience_config_apply_duration_seconds_bucket{", StringComparison.Ordinal) && body.Contains("le=\"0.0005\"", StringComparison.Ordinal)
                    && body.Contains("resilience_yarp_routing_lag_seconds_bucket{", StringComparison.Ordinal), "the duration histograms in seconds with their advised buckets"),
                ("/resilience/state", body => Json(body) is { } state && state.GetProperty("servingTier").GetString() == "ControlPlane", "the admin state with the development token"),
                ("/nodes", body => Json(body) is { ValueKind: JsonValueKind.Array } nodes && nodes.GetArrayLength() == 1 && nodes[0].GetProperty("isConnected").GetBoolean(), "the control plane listing the connected node"),
                ("ls ", body => body.Split('\n').Any(f => f.Trim() == "config.json"), "the backup node's export in the store"),
            };
            foreach (var (fragment, holds, what) in expectations)
            {
                var command = checks.SingleOrDefault(c => c.Contains(fragment, StringComparison.Ordinal))
                    ?? throw new InvalidOperationException($"the quick start's gateway block has no command with '{fragment}' ({what})");
                var last = "";
                await EventuallyAsync(
                    async () =>
                    {
                        var run = await DotnetProcess.TryRunShellAsync(project, TimeSpan.FromSeconds(20), command);
                        last = run?.StandardOutput ?? "(no answer within 20 s)";
                        return run is (0, var body, _) && holds(body);
                    },
                    () => $"`{command}`: {what}; last output:\n{Tail(last)}",
                    TimeSpan.FromMinutes(2),
                    processes);
                output.WriteLine($"{command} -> {Tail(last, 1500)}");
            }

            output.WriteLine($"quick start ran in {elapsed.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }

            DeleteUserSecrets(Path.Combine(project, "MyGateway.csproj"));
        }
    }

    /// <summary>The commands of a bash block: one per line, comments dropped, a trailing <c>&amp;</c> meaning "leave it running".</summary>
    private static IEnumerable<(string Command, bool Background)> Commands(string block)
    {
        foreach (var raw in block.Split('\n'))
        {
            var line = TrailingComment().Replace(raw, "").Trim();
            if (line.Length == 0)
            {
                continue;
            }

            yield return line.EndsWith('&') ? (line[..^1].TrimEnd(), true) : (line, false);
        }
    }

    private static JsonElement? Json(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Tail(string text, int length = 2000) => text.Length <= length ? text : "..." + text[^length..];

    private static Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, IReadOnlyList<DotnetProcess> running) =>
        EventuallyAsync(condition, () => what, timeout, running);

    // The tests' one polling helper; a process that exits fails the wait at once, with its output.
    private static Task EventuallyAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan timeout, IReadOnlyList<DotnetProcess> running) =>
        Eventually.HoldsAsync(
            condition,
            what(),
            timeout,
            failIf: () => running.FirstOrDefault(p => p.HasExited) is { } exited ? $"`{exited.CommandLine}` exited while waiting for {what()}:\n{Tail(exited.Output)}" : null,
            retryOn: ex => ex is HttpRequestException or TaskCanceledException,
            detail: () => what() + "\n" + string.Join("\n", running.Select(p => $"--- {p.CommandLine}\n{Tail(p.Output)}")));

    /// <summary>`dotnet user-jwts` keeps its signing key in the user's secrets store, outside the test's folder: remove it.</summary>
    private static void DeleteUserSecrets(string project)
    {
        if (!File.Exists(project) || UserSecretsId().Match(File.ReadAllText(project)) is not { Success: true } id)
        {
            return;
        }

        var secrets = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", id.Groups[1].Value);
        try
        {
            if (Directory.Exists(secrets))
            {
                Directory.Delete(secrets, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"\s+#.*$")]
    private static partial Regex TrailingComment();

    [GeneratedRegex(@"<UserSecretsId>([^<]+)</UserSecretsId>")]
    private static partial Regex UserSecretsId();
}
