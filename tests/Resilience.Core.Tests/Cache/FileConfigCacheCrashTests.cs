using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Resilience.Tests.Cache;

/// <summary>A writer killed with SIGKILL at random points never leaves a cache that loads as garbage.</summary>
public sealed class FileConfigCacheCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Writer_killed_fifty_times_leaves_the_old_or_the_new_config()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var path = _dir.Combine("config.json.gz");
        var expected = CrashWriterConfigs.All.Select(c => Convert.ToBase64String(c)).ToHashSet();
        var seen = new HashSet<string>();

        for (var i = 0; i < 50; i++)
        {
            using var writer = StartWriter(path);
            var ready = await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("ready", ready);

            // Spin rather than sleep: the kill lands at a random point of a write.
            var killAfter = Stopwatch.StartNew();
            var delay = TimeSpan.FromMilliseconds(random.Next(0, 60));
            while (killAfter.Elapsed < delay)
            {
                Thread.SpinWait(1000);
            }

            writer.Kill();
            await writer.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            var loaded = await new FileConfigCache(path, long.MaxValue, long.MaxValue, TimeProvider.System, NullLogger.Instance).LoadAsync(default);
            Assert.NotNull(loaded);
            var content = Convert.ToBase64String(loaded.Content.ToArray());
            Assert.Contains(content, expected);
            seen.Add(content);
        }

        output.WriteLine($"distinct configs seen after kills: {seen.Count}");
        Assert.Equal(["config.json.gz"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    public void Dispose() => _dir.Dispose();

    private static Process StartWriter(string path)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Resilience.CrashWriter.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; the test project references tests/Resilience.CrashWriter");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(path);
        return Process.Start(start)!;
    }
}
