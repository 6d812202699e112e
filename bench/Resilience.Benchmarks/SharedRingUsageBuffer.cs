using System.Runtime.InteropServices;

namespace Resilience.Benchmarks;

/// <summary>
/// The usage buffer before it was striped, kept as the benchmarks' baseline: one overwriting ring shared by every writer. A writer
/// claims the next position with one atomic increment and writes its record over the oldest one,
/// so "drop the oldest when full" costs nothing extra and writers never wait for the drainer.
/// Each cell carries the position it holds (a sequence lock), so the drainer can tell a record it
/// may take from one that was overwritten (counted as dropped) or is still being written.
/// </summary>
internal sealed class SharedRingUsageBuffer : IUsageRecorder
{
    private readonly Cell[] _cells;
    private readonly object _drainLock = new();
    private PaddedLong _written;
    private long _read;
    private long _dropped;

    public SharedRingUsageBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _cells = new Cell[capacity];
    }

    public int Capacity => _cells.Length;

    /// <summary>Gets how many records were recorded in all.</summary>
    public long Recorded => Volatile.Read(ref _written.Value);

    /// <summary>Gets how many records were overwritten before the drainer reached them.</summary>
    public long Dropped
    {
        get
        {
            lock (_drainLock)
            {
                // Records already lapped but not yet skipped by a drain count as dropped too.
                return _dropped + Math.Max(0, Recorded - _read - _cells.Length);
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
                return (int)Math.Min(_cells.Length, Recorded - _read);
            }
        }
    }

    public void Record(in UsageRecord record)
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

    /// <summary>Moves up to <paramref name="max"/> records into <paramref name="batch"/>, oldest first.</summary>
    /// <returns>How many were moved.</returns>
    public int Drain(List<UsageRecord> batch, int max)
    {
        lock (_drainLock)
        {
            var moved = 0;
            while (moved < max)
            {
                var written = Volatile.Read(ref _written.Value);
                if (written - _read > _cells.Length)
                {
                    _dropped += written - _read - _cells.Length;
                    _read = written - _cells.Length;
                }

                if (_read == written)
                {
                    break;
                }

                var position = _read + 1;
                ref var cell = ref _cells[(int)(_read % _cells.Length)];
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

                    _read++;
                }
                else if (Math.Abs(sequence) > position)
                {
                    // Overwritten by a later lap before we got here.
                    _dropped++;
                    _read++;
                }
                else
                {
                    // Claimed but not yet written: take it next time rather than wait on the request path's thread.
                    break;
                }
            }

            return moved;
        }
    }

    private struct Cell
    {
        public long Sequence;
        public UsageRecord Record;
    }

    /// <summary>Keeps the writers' hot counter on its own cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        [FieldOffset(64)]
        public long Value;
    }
}
