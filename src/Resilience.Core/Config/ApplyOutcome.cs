namespace Resilience;

/// <summary>What became of one configuration handed to the apply pipeline.</summary>
public enum ApplyOutcome
{
    /// <summary>It is now served.</summary>
    Applied = 0,

    /// <summary>It has the same hash as the served configuration; nothing changed.</summary>
    Unchanged = 1,

    /// <summary>A newer configuration (or one from a higher tier) won; this one was dropped.</summary>
    Superseded = 2,

    /// <summary>It failed a pipeline step; the served configuration stays.</summary>
    Rejected = 3,
}
