using System.Diagnostics;
using System.Net;

namespace Resilience.Benchmarks.Processes;

/// <summary>
/// The load of the self-revert scenario: workers sending GETs back to back to one URL over kept-alive connections, each
/// request recorded with the moment it completed and whether it succeeded (a 200; a 5xx, another status or a transport
/// error is a failure). wrk would give the counts, not when each request failed.
/// </summary>
internal sealed class SelfRevertLoad : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long At, bool Ok)>[] _records;
    private readonly Task[] _workers;

    private SelfRevertLoad(string url, int workers)
    {
        _client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = workers, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(10) };
        _records = Enumerable.Range(0, workers).Select(_ => new List<(long, bool)>(100_000)).ToArray();
        _workers = _records.Select(records => Task.Run(() => RunAsync(url, records))).ToArray();
    }

    public static SelfRevertLoad Start(string url, int workers) => new(url, workers);

    /// <summary>Stops the workers and returns every request, in the order they completed.</summary>
    public async Task<(long At, bool Ok)[]> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return _records.SelectMany(r => r).OrderBy(r => r.At).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _client.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(string url, List<(long At, bool Ok)> records)
    {
        while (!_stop.IsCancellationRequested)
        {
            bool ok;
            try
            {
                using var response = await _client.GetAsync(url, HttpCompletionOption.ResponseContentRead, _stop.Token);
                ok = response.StatusCode == HttpStatusCode.OK;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                ok = false;
            }

            records.Add((Stopwatch.GetTimestamp(), ok));
        }
    }
}
