using System.Diagnostics;

namespace Resilience.Tests;

/// <summary>
/// The one way tests wait for real parts (servers, processes, sockets, background loops): poll a condition until it
/// holds or a deadline passes, then fail with what was awaited. Never a fixed sleep: a condition passes as soon as it
/// holds on a fast machine and still passes, later, on a loaded one. Logic that runs on timers is tested on a
/// <c>FakeTimeProvider</c> instead.
/// </summary>
public static class Eventually
{
    /// <summary>The deadline when a test names none: generous, since the CI machine is shared and loaded.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls a condition until it holds; fails the test after the deadline.</summary>
    /// <returns>How long it took (for a test's output).</returns>
    public static Task<TimeSpan> HoldsAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, within);

    /// <summary>Polls an asynchronous condition until it holds; fails the test after the deadline.</summary>
    /// <param name="condition">The condition; an exception it throws fails the test unless <paramref name="retryOn"/> accepts it.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="within">The deadline; <see cref="DefaultDeadline"/> when null.</param>
    /// <param name="failIf">Checked before each poll: a reason to fail at once (a process that exited), or null.</param>
    /// <param name="retryOn">Exceptions of the condition that mean "not yet" (a server still starting).</param>
    /// <param name="detail">More to say when the deadline passes (a process's output).</param>
    /// <param name="every">
    /// The polling interval; 20 ms when null. A shorter one suits conditions that flip within microseconds and are
    /// awaited thousands of times per test (fake-clock loops going idle after each step).
    /// </param>
    /// <returns>How long it took.</returns>
    public static async Task<TimeSpan> HoldsAsync(
        Func<Task<bool>> condition,
        string what,
        TimeSpan? within = null,
        Func<string?>? failIf = null,
        Func<Exception, bool>? retryOn = null,
        Func<string>? detail = null,
        TimeSpan? every = null)
    {
        var started = Stopwatch.GetTimestamp();
        await ReturnsCoreAsync(async () => await condition() ? true : null, what, within, failIf, retryOn, detail, every);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Polls until a probe returns a value (not null), and returns it; fails the test after the deadline.</summary>
    /// <typeparam name="T">What the probe returns.</typeparam>
    /// <param name="probe">Returns the value once it is there, else null.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="within">The deadline; <see cref="DefaultDeadline"/> when null.</param>
    /// <param name="failIf">Checked before each poll: a reason to fail at once, or null.</param>
    /// <param name="retryOn">Exceptions of the probe that mean "not yet".</param>
    /// <param name="detail">More to say when the deadline passes.</param>
    /// <returns>The first value the probe returned.</returns>
    public static async Task<T> ReturnsAsync<T>(
        Func<Task<T?>> probe,
        string what,
        TimeSpan? within = null,
        Func<string?>? failIf = null,
        Func<Exception, bool>? retryOn = null,
        Func<string>? detail = null)
        where T : struct =>
        (T)await ReturnsCoreAsync(async () => await probe(), what, within, failIf, retryOn, detail);

    /// <summary>As <see cref="ReturnsAsync{T}(Func{Task{T?}}, string, TimeSpan?, Func{string?}?, Func{Exception, bool}?, Func{string}?)"/>, for reference types.</summary>
    /// <typeparam name="T">What the probe returns.</typeparam>
    /// <param name="probe">Returns the value once it is there, else null.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="within">The deadline; <see cref="DefaultDeadline"/> when null.</param>
    /// <param name="failIf">Checked before each poll: a reason to fail at once, or null.</param>
    /// <param name="retryOn">Exceptions of the probe that mean "not yet".</param>
    /// <param name="detail">More to say when the deadline passes.</param>
    /// <returns>The first value the probe returned.</returns>
    public static async Task<T> FoundAsync<T>(
        Func<Task<T?>> probe,
        string what,
        TimeSpan? within = null,
        Func<string?>? failIf = null,
        Func<Exception, bool>? retryOn = null,
        Func<string>? detail = null)
        where T : class =>
        (T)await ReturnsCoreAsync(async () => await probe(), what, within, failIf, retryOn, detail);

    private static async Task<object> ReturnsCoreAsync(
        Func<Task<object?>> probe,
        string what,
        TimeSpan? within,
        Func<string?>? failIf,
        Func<Exception, bool>? retryOn,
        Func<string>? detail,
        TimeSpan? every = null)
    {
        var started = Stopwatch.GetTimestamp();
        var deadline = within ?? DefaultDeadline;
        string? lastError = null;
        while (true)
        {
            if (failIf?.Invoke() is { } reason)
            {
                Assert.Fail($"{what}: {reason}");
            }

            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (Exception ex) when (retryOn?.Invoke(ex) == true)
            {
                lastError = $"{ex.GetType().Name}: {ex.Message}";
            }

            if (Stopwatch.GetElapsedTime(started) > deadline)
            {
                var more = detail?.Invoke();
                Assert.Fail($"{what}: not within {deadline}{(lastError is null ? string.Empty : $" (last error: {lastError})")}{(string.IsNullOrEmpty(more) ? string.Empty : "\n" + more)}");
            }

            await Task.Delay(every ?? Interval);
        }
    }
}
