using System.Diagnostics;

namespace Resilience.Cache.Lmdb.Tests;

/// <summary>
/// Runs the fuzz child (<c>Resilience.CrashWriter lmdb-fuzz</c>) over a range of seeds and restarts it after a death, so
/// one process covers many mutations and a death (a signal from liblmdb, a hang) names the exact seed.
/// </summary>
internal static class FuzzChild
{
    /// <summary>No line from the child for this long means it hangs (a mutation that loops LMDB): counted as a death.</summary>
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(120);

    public static string Writer => Path.Combine(AppContext.BaseDirectory, "Resilience.CrashWriter.dll");

    /// <summary>Opens the damaged files of seeds <paramref name="first"/>.. in children; returns every death and every outcome line.</summary>
    public static async Task<FuzzRun> RunAsync(string baseFile, string work, int first, int count)
    {
        var run = new FuzzRun();
        var next = first;
        while (next < first + count)
        {
            var begun = -1;
            var done = false;
            using var child = Start("lmdb-fuzz", baseFile, work, next.ToString(System.Globalization.CultureInfo.InvariantCulture), (first + count - next).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var errors = child.StandardError.ReadToEndAsync();
            while (true)
            {
                string? line;
                try
                {
                    line = await child.StandardOutput.ReadLineAsync().WaitAsync(Silence);
                }
                catch (TimeoutException)
                {
                    child.Kill();
                    line = null;
                    run.Deaths.Add(new FuzzDeath(begun, "hang"));
                    begun = -2;
                }

                if (line is null)
                {
                    break;
                }

                if (line.StartsWith("begin ", StringComparison.Ordinal))
                {
                    begun = int.Parse(line.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("end ", StringComparison.Ordinal))
                {
                    run.Outcomes.Add(line);
                    begun = -1;
                }
                else if (line == "done")
                {
                    done = true;
                }
            }

            await child.WaitForExitAsync();
            if (done && child.ExitCode == 0)
            {
                break;
            }

            if (begun == -1)
            {
                throw new InvalidOperationException($"the fuzz child exited with {child.ExitCode} between cases: {await errors}");
            }

            if (begun >= 0)
            {
                run.Deaths.Add(new FuzzDeath(begun, $"exit code {child.ExitCode}: {Tail(await errors)}"));
            }

            next = Math.Max(next, run.Deaths[^1].Seed + 1);
        }

        return run;
    }

    /// <summary>Opens one directory in a child (load, save, load) and returns its exit code and outcome line.</summary>
    public static async Task<(int ExitCode, string Output)> OpenAsync(string directory)
    {
        using var child = Start("lmdb-open", directory);
        var output = await child.StandardOutput.ReadToEndAsync().WaitAsync(Silence);
        var errors = await child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();
        return (child.ExitCode, output + errors);
    }

    private static Process Start(params string[] arguments)
    {
        Assert.True(File.Exists(Writer), $"{Writer} is missing");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Writer);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static string Tail(string text) => text.Length > 2000 ? text[^2000..] : text;
}

/// <summary>What a fuzz run saw.</summary>
internal sealed class FuzzRun
{
    public List<FuzzDeath> Deaths { get; } = [];

    public List<string> Outcomes { get; } = [];
}

/// <summary>A seed whose damaged file killed (or hung) the process that opened it.</summary>
internal sealed record FuzzDeath(int Seed, string How);
