using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Resilience.ControlPlane;

/// <summary>
/// Which wave a node is in. Shares and counts take nodes in one order fixed by the node id (<see cref="Rank"/>: the first
/// 64 bits of its SHA-256 as a fraction), so the same node is in the first 5 % on every rollout, whichever replica
/// plans it. A node's wave is decided once per rollout (planned at start, or pinned when it first shows up) and never
/// changes.
/// </summary>
internal static class WaveSelection
{
    /// <summary>No wave selects the node: it gets the configuration when the rollout completes.</summary>
    public const int NoWave = -1;

    /// <summary>The node's place in the fleet's fixed order, in [0, 1).</summary>
    public static double Rank(string nodeId)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(nodeId);
        SHA256.HashData(bytes, digest);
        return (BinaryPrimitives.ReadUInt64BigEndian(digest) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Plans the waves over the connected fleet: every node gets its wave (or <see cref="NoWave"/>).</summary>
    public static (Dictionary<string, int> Assignments, WaveRecord[] Waves, Dictionary<int, string[]>? CountMembers) Plan(IReadOnlyList<WavePlan> waves, IReadOnlyList<FleetNode> fleet)
    {
        var remaining = fleet
            .DistinctBy(n => n.NodeId, StringComparer.Ordinal)
            .Select(n => (Node: n, Rank: Rank(n.NodeId)))
            .OrderBy(n => n.Rank)
            .ThenBy(n => n.Node.NodeId, StringComparer.Ordinal)
            .ToList();
        var total = remaining.Count;
        var assignments = new Dictionary<string, int>(StringComparer.Ordinal);
        var records = new WaveRecord[waves.Count];
        Dictionary<int, string[]>? countMembers = null;
        for (var i = 0; i < waves.Count; i++)
        {
            var wave = waves[i];
            List<(FleetNode Node, double Rank)> taken;
            double? cutoff = null;
            if (wave.Labels is { Count: > 0 } labels)
            {
                taken = remaining.Where(n => HasLabels(n.Node.Labels, labels)).ToList();
            }
            else if (wave.Share is { } share)
            {
                var wanted = (int)Math.Min(total, Math.Ceiling(share * total));
                taken = remaining.Take(wanted).ToList();
                cutoff = taken.Count > 0 ? taken[^1].Rank : -1;
            }
            else if (wave.Count is { } count)
            {
                taken = remaining.Take(count).ToList();
                (countMembers ??= [])[i] = taken.Select(n => n.Node.NodeId).ToArray();
            }
            else
            {
                taken = remaining.ToList();
            }

            foreach (var (node, _) in taken)
            {
                assignments[node.NodeId] = i;
            }

            remaining.RemoveAll(n => assignments.ContainsKey(n.Node.NodeId));
            records[i] = new WaveRecord { State = RolloutWaveState.Pending, CutoffRank = cutoff, PlannedNodes = taken.Count };
        }

        foreach (var (node, _) in remaining)
        {
            assignments[node.NodeId] = NoWave;
        }

        return (assignments, records, countMembers);
    }

    /// <summary>The wave of a node the plan did not see (it connected later): the first wave that would have taken it.</summary>
    public static int Select(RolloutRecord record, string nodeId, IReadOnlyDictionary<string, string> labels)
    {
        double? rank = null;
        for (var i = 0; i < record.Waves.Length; i++)
        {
            var wave = record.Waves[i];
            if (wave.Labels is { Count: > 0 } wanted)
            {
                if (HasLabels(labels, wanted))
                {
                    return i;
                }
            }
            else if (wave.Share is not null)
            {
                rank ??= Rank(nodeId);
                if (record.WaveStates[i].CutoffRank is { } cutoff && rank <= cutoff)
                {
                    return i;
                }
            }
            else if (wave.EveryoneElse)
            {
                return i;
            }
        }

        return NoWave;
    }

    /// <summary>The node's wave in this rollout: its pinned one, else the one it would be pinned to.</summary>
    public static int WaveOf(RolloutRecord record, string nodeId, IReadOnlyDictionary<string, string>? labels) =>
        record.Assignments.TryGetValue(nodeId, out var wave) ? wave : Select(record, nodeId, labels ?? EmptyLabels);

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    private static bool HasLabels(IReadOnlyDictionary<string, string> labels, Dictionary<string, string> wanted)
    {
        foreach (var (key, value) in wanted)
        {
            if (!labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
