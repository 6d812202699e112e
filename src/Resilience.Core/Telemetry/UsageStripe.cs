using System.Runtime.InteropServices;

namespace Resilience;

/// <summary>
/// One stripe of the <see cref="UsageBuffer"/>: an overwriting ring. A writer claims the next position
/// with one atomic increment and writes its record over the oldest one, so "drop the oldest when full"
/// costs nothing extra and writers never wait for the drainer. Each cell carries the position it holds
/// (a sequence lock), so the drainer can tell a record it may take from one that was overwritten
/// (counted as dropped) or is still being written. Writers on different processors use different
/// stripes, so the counter they increment stays in their own core's cache; a thread that migrates mid-write
/// is still safe, because any number of writers may share a stripe.
/// </summary>
internal sealed class UsageStripe
{
    private readonly Cell[] _cells;

    // Written on every record by the stripe's writers; its own cache line.
    private PaddedLong _written;

    // Written by the drainer only, read by writers to tell whether the stripe is full; its own cache line
    // so that draining does not invalidate the writers' counter.
    private PaddedLong _read;

    // Drainer only (under the buffer's drain lock).
    private long _dropped;

    public UsageStripe(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _cells = new Cell[capacity];
    }

    public int Capacity => _cells.Length;

    /// <summary>Gets how many records were recorded into this stripe.</summary>
    public long Recorded => Volatile.Read(ref _written.Value);

    /// <summary>
    /// Gets whether the next record would overwrite one the drainer has not taken. A hint for choosing a
    /// stripe (it can be stale by the time the record is written); the accounting does not depend on it.
    /// </summary>
    public bool IsFull => Volatile.Read(ref _written.Value) - Volatile.Read(ref _read.Value) >= _cells.Length;

    /// <summary>Gets how many records were overwritten before the drainer reached them. Call under the drain lock.</summary>
    public long Dropped => _dropped + Math.Max(0, Recorded - _read.Value - _cells.Length);

    /// <summary>Gets how many records wait to be drained (at most the capacity). Call under the drain lock.</summary>
    public int Count => (int)Math.Min(_cells.Length, Recorded - _read.Value);

    public void Write(in UsageRecord record)
    {
        // Positions start at 1 so that a cell's zero sequence means "never written".
        var position = Interlocked.Increment(ref _written.Value);
        ref var cell = ref _cells[(int)((position - 1) % _cells.Length)];
        var spin = default(SpinWait);
        while (true)
        {
            var sequence = Volatile.Read(ref cell.Sequence);
            var holder = sequence < 0 ? -sequence : sequence;
            if (holder > position)
            {
                // A writer one lap ahead already took this cell: this record is the older one and
                // is lost; the drainer counts its position as dropped when it skips the lap.
                return;
            }

            if (sequence >= 0 && Interlocked.CompareExchange(ref cell.Sequence, -position, sequence) == sequence)
            {
                break;
            }

            // A writer one lap behind is still copying into this cell (it was descheduled mid-write).
            spin.SpinOnce(sleep1Threshold: -1);
        }

        cell.Record = record;
        Volatile.Write(ref cell.Sequence, position);
    }

    /// <summary>Moves up to <paramref name="max"/> records into <paramref name="batch"/>, oldest first. Call under the drain lock.</summary>
    /// <returns>How many were moved.</returns>
    public int Drain(List<UsageRecord> batch, int max)
    {
        var moved = 0;
        var read = _read.Value;
        while (moved < max)
        {
            var written = Volatile.Read(ref _written.Value);
            if (written - read > _cells.Length)
            {
                _dropped += written - read - _cells.Length;
                read = written - _cells.Length;
            }

            if (read == written)
            {
                break;
            }

            var position = read + 1;
            ref var cell = ref _cells[(int)(read % _cells.Length)];
            var sequence = Volatile.Read(ref cell.Sequence);
            if (sequence == position)
            {
                var record = cell.Record;
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref cell.Sequence) == position)
                {
                    batch.Add(record);
                    moved++;
                }
                else
                {
                    _dropped++;
                }

                read++;
            }
            else if (Math.Abs(sequence) > position)
            {
                // Overwritten by a later lap before we got here.
                _dropped++;
                read++;
            }
            else
            {
                // Claimed but not yet written: take it next time rather than wait on the request path's thread.
                break;
            }
        }

        Volatile.Write(ref _read.Value, read);
        return moved;
    }

    private struct Cell
    {
        public long Sequence;
        public UsageRecord Record;
    }

    /// <summary>Keeps a hot counter on its own cache line (64 bytes either side, for adjacent-line prefetch).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        [FieldOffset(64)]
        public long Value;
    }
}
