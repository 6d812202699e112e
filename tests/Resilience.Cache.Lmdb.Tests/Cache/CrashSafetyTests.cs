using System.Diagnostics;
using Xunit.Abstractions;

namespace Resilience.Cache.Lmdb.Tests;

[Collection(TimingSensitive.Name)]
public sealed class CrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Writer_killed_50_times_at_random_points_leaves_the_old_or_the_new_config()
    {
        var cachePath = _temp.Combine("dbless.lmdb");
        var writer = Path.Combine(AppContext.BaseDirectory, "Resilience.CrashWriter.dll");
        Assert.True(File.Exists(writer), $"{writer} is missing");
        var expected = CrashWriterConfigs.All;
        var seen = new int[expected.Count];

        for (var round = 0; round < 50; round++)
        {
            using (var child = StartWriter(writer, cachePath))
            {
                try
                {
                    var line = await child.StandardOutput.ReadLineAsync().WaitAsync(ReadyDeadline);
                    Assert.True(line == "ready", $"round {round}: the writer said '{line}': {await ReadErrorsAsync(child)}");
                    await Task.Delay(Random.Shared.Next(0, 101));
                }
                finally
                {
                    child.Kill(); // SIGKILL on Linux: no finalizers, no flush, no unlock.
                    await child.WaitForExitAsync().WaitAsync(ReadyDeadline);
                }
            }

            using var cache = TestConfigs.Cache(cachePath);
            var loaded = await cache.LoadAsync(default);
            Assert.NotNull(loaded);
            var index = IndexOf(expected, loaded.Content.ToArray());
            Assert.True(index >= 0, $"round {round}: the cache holds neither config ({loaded.Content.Length} bytes)");
            seen[index]++;
        }

        output.WriteLine($"after 50 kills: old config {seen[0]} times, new config {seen[1]} times");
        Assert.Equal(50, seen.Sum());
    }

    private static Process StartWriter(string writer, string cachePath)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(cachePath);
        start.ArgumentList.Add("lmdb");
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static async Task<string> ReadErrorsAsync(Process child)
    {
        child.Kill();
        return await child.StandardError.ReadToEndAsync();
    }

    private static int IndexOf(IReadOnlyList<byte[]> configs, byte[] content)
    {
        for (var i = 0; i < configs.Count; i++)
        {
            if (configs[i].AsSpan().SequenceEqual(content))
            {
                return i;
            }
        }

        return -1;
    }
}
