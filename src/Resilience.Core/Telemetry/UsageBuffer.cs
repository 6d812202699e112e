using System.Numerics;

namespace Resilience;

/// <summary>
/// The bounded usage buffer behind <see cref="IUsageRecorder"/>: one overwriting ring
/// (<see cref="UsageStripe"/>) per processor, so that writers on different cores never touch the
/// same counter. The capacity is split exactly between the stripes, so the buffer never holds more
/// than the limit. A writer uses its processor's stripe; when that one is full and another still
/// has room, it writes there, so the whole limit is used before anything is dropped. When every
/// stripe is full, a record drops the oldest record of the stripe it goes to (oldest-first per
/// stripe, not across the buffer). Records, drops and the drained total stay exact:
/// drained + dropped + held == recorded.
/// </summary>
internal sealed class UsageBuffer : IUsageRecorder, IUsageDrain, IRequestOutcomes
{
    /// <summary>Longs between two stripes' failure counters: 128 bytes, so each counter has its cache lines to itself.</summary>
    private const int FailureCounterSpacing = 16;

    /// <summary>More stripes than this would not make writers cheaper and would make draining and the full-stripe mask wider than a word.</summary>
    internal const int MaxStripes = 64;

    private readonly UsageStripe[] _stripes;

    // Failed requests, counted per stripe (written only on a failure, so the request path of a healthy node never touches them).
    private readonly long[] _failures;
    private readonly int _stripeMask;
    private readonly long _everyStripe;
    private readonly object _drainLock = new();

    // One bit per stripe that a writer saw full. Written only when a stripe fills or is drained, read by
    // writers whose own stripe is full; a hint (see UsageStripe.IsFull), never part of the accounting.
    private long _fullStripes;
    private int _nextDrain;

    /// <summary>Creates a buffer of <paramref name="capacity"/> records with one stripe per processor.</summary>
    public UsageBuffer(int capacity)
        : this(capacity, DefaultStripeCount(capacity, Environment.ProcessorCount))
    {
    }

    /// <summary>Creates a buffer of <paramref name="capacity"/> records split over <paramref name="stripes"/> stripes (a power of two, at most the capacity).</summary>
    public UsageBuffer(int capacity, int stripes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stripes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stripes, Math.Min(capacity, MaxStripes));
        if (!BitOperations.IsPow2(stripes))
        {
            throw new ArgumentOutOfRangeException(nameof(stripes), stripes, "The stripe count must be a power of two.");
        }

        _stripes = new UsageStripe[stripes];
        for (var i = 0; i < stripes; i++)
        {
            // The remainder goes one record each to the first stripes: the capacities add up to exactly the limit.
            _stripes[i] = new UsageStripe((capacity / stripes) + (i < capacity % stripes ? 1 : 0));
        }

        _failures = new long[(stripes + 1) * FailureCounterSpacing];
        _stripeMask = stripes - 1;
        _everyStripe = stripes == 64 ? -1L : (1L << stripes) - 1;
        Capacity = capacity;
    }

    /// <summary>Gets the most records the buffer holds (the sum of its stripes' capacities).</summary>
    public int Capacity { get; }

    /// <summary>Gets the stripes' capacities, in stripe order.</summary>
    public IReadOnlyList<int> StripeCapacities => Array.ConvertAll(_stripes, s => s.Capacity);

    /// <summary>Gets how many records were recorded in all.</summary>
    public long Recorded
    {
        get
        {
            var total = 0L;
            foreach (var stripe in _stripes)
            {
                total += stripe.Recorded;
            }

            return total;
        }
    }

    /// <summary>Gets how many requests were recorded in all (<see cref="IRequestOutcomes"/>).</summary>
    public long Requests => Recorded;

    /// <summary>Gets how many recorded requests failed (a status code of 500 or above, or a forwarding error).</summary>
    public long FailedRequests
    {
        get
        {
            var total = 0L;
            for (var i = 0; i < _stripes.Length; i++)
            {
                total += Volatile.Read(ref _failures[(i + 1) * FailureCounterSpacing]);
            }

            return total;
        }
    }

    /// <summary>Gets how many records were overwritten before the drainer reached them.</summary>
    public long Dropped
    {
        get
        {
            lock (_drainLock)
            {
                var total = 0L;
                foreach (var stripe in _stripes)
                {
                    total += stripe.Dropped;
                }

                return total;
            }
        }
    }

    /// <summary>Gets how many records wait to be drained (at most the capacity).</summary>
    public int Count
    {
        get
        {
            lock (_drainLock)
            {
                var total = 0;
                foreach (var stripe in _stripes)
                {
                    total += stripe.Count;
                }

                return total;
            }
        }
    }

    /// <summary>Gets the stripe count for a buffer: the processor count rounded up to a power of two, at most 64 and at most the capacity.</summary>
    public static int DefaultStripeCount(int capacity, int processorCount)
    {
        var stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(processorCount, 1, MaxStripes));
        while (stripes > capacity)
        {
            stripes >>= 1;
        }

        return stripes;
    }

    public void Record(in UsageRecord record) => Record(Thread.GetCurrentProcessorId(), record);

    /// <summary>Records into the stripe of <paramref name="processor"/> (or another with room if that one is full).</summary>
    internal void Record(int processor, in UsageRecord record)
    {
        // The processor id can exceed the processor count (CPU affinity, containers): the mask keeps it in range.
        var index = processor & _stripeMask;
        var stripe = _stripes[index];

        // Every stripe full (an outage at steady state) is the common case worth one load: drop our own oldest.
        if (Volatile.Read(ref _fullStripes) != _everyStripe && stripe.IsFull)
        {
            stripe = StripeWithRoom(index);
        }

        stripe.Write(record);
        if (record.IsFailed)
        {
            Interlocked.Increment(ref _failures[(index + 1) * FailureCounterSpacing]);
        }
    }

    /// <summary>Moves up to <paramref name="max"/> records into <paramref name="batch"/>, oldest first within each stripe.</summary>
    /// <returns>How many were moved.</returns>
    public int Drain(List<UsageRecord> batch, int max)
    {
        lock (_drainLock)
        {
            // Start one stripe further each time, so that small batches do not always favour the first stripes.
            var start = _nextDrain;
            _nextDrain = (start + 1) & _stripeMask;
            var moved = 0;
            for (var i = 0; i < _stripes.Length && moved < max; i++)
            {
                var index = (start + i) & _stripeMask;
                var stripe = _stripes[index];
                moved += stripe.Drain(batch, max - moved);
                var bit = 1L << index;
                if ((Volatile.Read(ref _fullStripes) & bit) != 0 && !stripe.IsFull)
                {
                    Interlocked.And(ref _fullStripes, ~bit);
                }
            }

            return moved;
        }
    }

    /// <summary>The stripe a writer whose own stripe (<paramref name="own"/>) is full writes to: the first with room, else its own.</summary>
    private UsageStripe StripeWithRoom(int own)
    {
        var full = Volatile.Read(ref _fullStripes);
        if (full == _everyStripe)
        {
            // Every stripe is full (an outage at steady state): drop the oldest of our own, touching nothing shared.
            return _stripes[own];
        }

        full = MarkFull(own, full);

        // Bounded: the drainer may clear bits while we look, and a writer must never loop on the request path.
        for (var attempt = 0; attempt < _stripes.Length; attempt++)
        {
            var withRoom = ~full & _everyStripe;
            if (withRoom == 0)
            {
                break;
            }

            var index = BitOperations.TrailingZeroCount(withRoom);
            var candidate = _stripes[index];
            if (!candidate.IsFull)
            {
                return candidate;
            }

            // Filled by other stripes' writers, which do not mark it: mark it for them.
            full = MarkFull(index, full);
        }

        return _stripes[own];
    }

    private long MarkFull(int index, long full)
    {
        var bit = 1L << index;
        return (full & bit) != 0 ? full : Interlocked.Or(ref _fullStripes, bit) | bit;
    }
}
