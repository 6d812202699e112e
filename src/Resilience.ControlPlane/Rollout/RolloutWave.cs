namespace Resilience.ControlPlane;

/// <summary>
/// One wave of a <see cref="RolloutPlan"/>: which nodes it selects (exactly one of <see cref="Labels"/>,
/// <see cref="Share"/>, <see cref="Count"/> or <see cref="EveryoneElse"/>), how long it bakes and its gates. A node
/// belongs to the first wave that selects it and keeps that wave for the whole rollout, reconnects included.
/// </summary>
public sealed class RolloutWave
{
    /// <summary>Gets or sets a name to show in the status and on the fleet page. Default: <c>wave &lt;n&gt;</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Gets the labels (from the nodes' hello) a node must all carry to be selected, for example <c>ring=canary</c>.</summary>
    public IDictionary<string, string> Labels { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets the share of the fleet to select, above 0 and at most 1: the connected nodes not taken by an earlier
    /// wave that come first in an order fixed by their node id (a SHA-256 of the id), so the same nodes are the first
    /// 5 % on every rollout. <c>ceil(share x fleet)</c> nodes are taken when the wave is planned; a node that connects
    /// later joins when it comes before the last one taken in that order.
    /// </summary>
    public double? Share { get; set; }

    /// <summary>Gets or sets how many nodes to select, taken in the same fixed order as <see cref="Share"/>; a node that connects later never joins a count wave.</summary>
    public int? Count { get; set; }

    /// <summary>Gets or sets a value indicating whether this wave selects every node no earlier wave selected (normally the last wave).</summary>
    public bool EveryoneElse { get; set; }

    /// <summary>
    /// Gets or sets how long the wave bakes once every node of it applied the configuration; the gates are read the
    /// whole time and a failure halts at once. Default: 5 minutes.
    /// </summary>
    public TimeSpan BakeTime { get; set; } = RolloutDefaults.BakeTime;

    /// <summary>Gets or sets the gates the wave must pass.</summary>
    public RolloutGates Gates { get; set; } = new();

    /// <summary>
    /// Gets or sets a stricter bake for the wave's nodes while they try the candidate (sent in the configuration's header:
    /// a shorter detection window and evaluation interval, fewer requests, a lower threshold), so that a canary wave goes
    /// back by itself sooner than every node of the fleet would with its own bake; or <see langword="null"/> for the nodes'
    /// own. A node uses each setting only where it is stricter than its own <c>Resilience:Bake</c>, and only when its bake
    /// is on; an older node ignores it.
    /// </summary>
    public BakeRequest? NodeBake { get; set; }

    /// <summary>A wave of the nodes that carry every given label.</summary>
    /// <param name="labels">The labels, for example <c>new Dictionary&lt;string, string&gt; { ["ring"] = "canary" }</c>.</param>
    /// <param name="bakeTime">How long it bakes.</param>
    /// <returns>The wave.</returns>
    public static RolloutWave WithLabels(IEnumerable<KeyValuePair<string, string>> labels, TimeSpan bakeTime)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var wave = new RolloutWave { BakeTime = bakeTime };
        foreach (var (key, value) in labels)
        {
            wave.Labels[key] = value;
        }

        return wave;
    }

    /// <summary>A wave of a share of the fleet (see <see cref="Share"/>).</summary>
    /// <param name="share">Above 0, at most 1 (0.05 for 5 %).</param>
    /// <param name="bakeTime">How long it bakes.</param>
    /// <returns>The wave.</returns>
    public static RolloutWave WithShare(double share, TimeSpan bakeTime) => new() { Share = share, BakeTime = bakeTime };

    /// <summary>A wave of a number of nodes (see <see cref="Count"/>).</summary>
    /// <param name="count">How many nodes; at least 1.</param>
    /// <param name="bakeTime">How long it bakes.</param>
    /// <returns>The wave.</returns>
    public static RolloutWave WithCount(int count, TimeSpan bakeTime) => new() { Count = count, BakeTime = bakeTime };

    /// <summary>A wave of every node no earlier wave selected.</summary>
    /// <param name="bakeTime">How long it bakes.</param>
    /// <returns>The wave.</returns>
    public static RolloutWave Rest(TimeSpan bakeTime) => new() { EveryoneElse = true, BakeTime = bakeTime };
}
