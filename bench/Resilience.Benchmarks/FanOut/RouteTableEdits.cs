using System.Text;
using Resilience.Benchmarks.Yarp;

namespace Resilience.Benchmarks;

/// <summary>
/// The 20,000-route configuration the fan-out benchmarks publish first, and 16 one-route edits of it (one route's
/// metadata value) published in turn: each publish is a new configuration whose fan-out ends when the last client of
/// the swarm has it.
/// </summary>
internal sealed class RouteTableEdits
{
    private readonly byte[][] _edits;
    private int _next;

    /// <param name="variant">Tells this benchmark's documents from another's.</param>
    public RouteTableEdits(string variant)
    {
        var text = Encoding.UTF8.GetString(RouteTable.Json(RouteTable.Routes, "http://127.0.0.1:5100/", variant));
        Initial = Encoding.UTF8.GetBytes(text);
        _edits = Enumerable.Range(0, 16).Select(i => Encoding.UTF8.GetBytes(YarpInProcessProfile.ReplaceFirst(text, "\"variant\":\"", $"\"variant\":\"{variant}-edit-{i}-"))).ToArray();
    }

    /// <summary>Gets the configuration published first.</summary>
    public byte[] Initial { get; }

    /// <summary>Publishes the next edit; returns the <see cref="System.Diagnostics.Stopwatch"/> timestamp at which the last client had it.</summary>
    /// <param name="targets">The control plane and its swarm.</param>
    /// <param name="publishCpuMs">Given the CPU time of the publish call on its thread, if wanted.</param>
    public async Task<long> PublishNextAsync(FanOutTargets targets, Action<double>? publishCpuMs = null)
    {
        var json = _edits[_next++ % _edits.Length];
        var done = targets.Swarm.WaitAsync($"config {ConfigHash.Compute(json)}");
        var cpu = ThreadCpuTime.Nanoseconds();
        await targets.Rig.Publisher.PublishAsync(json);
        publishCpuMs?.Invoke((ThreadCpuTime.Nanoseconds() - cpu) / 1e6);
        return await done;
    }
}
