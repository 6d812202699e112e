using System.Diagnostics;

namespace Resilience.ControlPlane.Tests;

/// <summary>Debian's <c>chromium</c> (installed by scripts/setup.sh) run headless on a page: its DOM after the page's script ran, and a screenshot.</summary>
internal static class HeadlessChromium
{
    /// <summary>Loads the page, lets its timers run for <paramref name="budget"/> of virtual time, and returns the DOM.</summary>
    public static async Task<string> DumpDomAsync(Uri page, TimeSpan budget) => await RunAsync(page, budget, "--dump-dom");

    /// <summary>Loads the page and saves a screenshot of <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public static async Task ScreenshotAsync(Uri page, string path, TimeSpan budget, int width = 1400, int height = 1000) =>
        await RunAsync(page, budget, $"--screenshot={path}", $"--window-size={width},{height}");

    private static async Task<string> RunAsync(Uri page, TimeSpan budget, params string[] what)
    {
        var profile = Directory.CreateTempSubdirectory("resilience-chromium-");
        try
        {
            var start = new ProcessStartInfo("chromium")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile.FullName}",
                $"--virtual-time-budget={(int)budget.TotalMilliseconds}",
            }.Concat(what).Append(page.AbsoluteUri))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start (scripts/setup.sh installs it)");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish within 90 s: {await errors}");
            }

            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await errors}");
            return await output;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
