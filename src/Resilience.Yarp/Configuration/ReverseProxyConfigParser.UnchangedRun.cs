using System.Text.Json;

namespace Resilience.Yarp;

/// <summary>
/// Routes and clusters the edit did not reach. When a document differs from the baseline (the configuration YARP routes
/// with) only inside one window, as a one-route edit or a delta's patch does, the members before the window and after
/// it are the baseline's bytes at the same place (shifted by the edit's size after it): they are taken with their
/// served instances and source ranges without being read or compared, and the reader jumps over them, keeping its
/// state (the nesting it is in). Only the members inside the window are read, and compared as before.
/// </summary>
internal static partial class ReverseProxyConfigParser
{
    /// <summary>The baseline's members of one container (routes or clusters) in document order, and the jumps over them.</summary>
    private sealed class UnchangedRun<T>
        where T : class
    {
        private readonly string[] _order;
        private readonly IReadOnlyList<T> _items;
        private readonly IReadOnlyDictionary<string, SourceRange> _sources;
        private readonly string _kind;
        private JsonReaderState? _afterValue;

        private UnchangedRun(string[] order, IReadOnlyList<T> items, IReadOnlyDictionary<string, SourceRange> sources, string kind)
        {
            _order = order;
            _items = items;
            _sources = sources;
            _kind = kind;
        }

        public static UnchangedRun<T>? Plan(ref ParseContext context, IReadOnlyList<T>? items, IReadOnlyDictionary<string, SourceRange>? sources, string kind)
        {
            if (context.Baseline is null || items is null || sources is null || sources.Count == 0 || sources.Count != items.Count)
            {
                return null;
            }

            var order = new string[sources.Count];
            foreach (var (id, range) in sources)
            {
                if ((uint)range.Index >= (uint)order.Length || order[range.Index] is not null)
                {
                    return null;
                }

                order[range.Index] = id;
            }

            return new UnchangedRun<T>(order, items, sources, kind);
        }

        /// <summary>
        /// After a member read at <paramref name="start"/>: when it is the baseline's member at the same place and the
        /// document has not changed yet, the baseline's next members up to the first changed byte are taken and the reader
        /// jumps past them.
        /// </summary>
        public void TakePrefix(ref Utf8JsonReader reader, ref ParseContext context, string id, int start, int length, List<T> items, Dictionary<string, SourceRange> sources, HashSet<string> ids)
        {
            // The state after a member's value: inside this container, a ',' or its end next.
            _afterValue ??= reader.CurrentState;
            if (start + length > context.PrefixEnd || !_sources.TryGetValue(id, out var here) || here.Start != start || here.Length != length)
            {
                return;
            }

            var end = here.Index + 1;
            while (end < _order.Length && _sources[_order[end]] is var next && next.Start + next.Length <= context.PrefixEnd)
            {
                end++;
            }

            if (end > here.Index + 1)
            {
                Take(ref reader, ref context, here.Index + 1, end, shift: 0, items, sources, ids);
            }
        }

        /// <summary>
        /// At a member whose name starts after the last changed byte: it and every member after it are the baseline's,
        /// shifted; they are taken and the reader jumps to the end of the last one. Returns whether it did.
        /// </summary>
        public bool TakeSuffix(ref Utf8JsonReader reader, ref ParseContext context, int keyAt, string id, int start, List<T> items, Dictionary<string, SourceRange> sources, HashSet<string> ids)
        {
            if (_afterValue is null || keyAt < context.SuffixStart || !_sources.TryGetValue(id, out var here) || here.Start + context.Shift != start)
            {
                return false;
            }

            Take(ref reader, ref context, here.Index, _order.Length, context.Shift, items, sources, ids);
            return true;
        }

        private void Take(ref Utf8JsonReader reader, ref ParseContext context, int from, int to, int shift, List<T> items, Dictionary<string, SourceRange> sources, HashSet<string> ids)
        {
            for (var i = from; i < to; i++)
            {
                var id = _order[i];
                var range = _sources[id];
                if (!ids.Add(id))
                {
                    throw KeyRuleException.DuplicateId(_kind, id);
                }

                sources[id] = new SourceRange(range.Start + shift, range.Length, items.Count);
                items.Add(_items[range.Index]);
                context.Reused<T>();
            }

            var last = _sources[_order[to - 1]];
            var resume = last.Start + last.Length + shift;
            reader = new Utf8JsonReader(context.Json[resume..], isFinalBlock: true, _afterValue!.Value);
            context.Offset = resume;
        }
    }
}
