using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Resilience;

/// <summary>
/// Writes the RFC 6902 JSON Patch that turns one published document into another, byte for byte, as
/// <see cref="ConfigPatchApplier"/> applies it (docs/protocol.md, "Delta sync"). Only what differs is written: a
/// member whose bytes are equal is skipped without being read; a changed member of a container is diffed inside
/// it; members added or removed become <c>add</c>/<c>remove</c> when the applier's separator rules give the
/// container's exact bytes, else the container is replaced whole. The result is applied here before it is
/// returned and must give the target's exact bytes.
/// </summary>
internal static class ConfigPatchBuilder
{
    private static readonly JsonReaderOptions StrictOptions = new() { MaxDepth = JsonOverlay.MaxDepth };

    /// <summary>Builds the patch from <paramref name="document"/> to <paramref name="target"/>.</summary>
    /// <param name="document">The base document's bytes.</param>
    /// <param name="target">The target document's bytes.</param>
    /// <param name="maxPatchBytes">Gives up when the patch would be larger than this.</param>
    /// <returns>The patch (UTF-8 JSON), or <see langword="null"/> when no byte-exact patch within the size exists.</returns>
    public static byte[]? Create(ReadOnlyMemory<byte> document, ReadOnlyMemory<byte> target, long maxPatchBytes)
    {
        var output = new ArrayBufferWriter<byte>();
        try
        {
            using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
            {
                writer.WriteStartArray();
                var budget = ConfigPatchApplier.Budget(document.Length, target.Length);
                var context = new Context(writer, maxPatchBytes, output, MemoryMarshal.TryGetArray(document, out var segment) ? segment : default);
                var (from, to, path) = Narrow(document, target);
                Diff(JsonOverlay.Of(from), JsonOverlay.Of(to), path, ref context, ref budget);
                writer.WriteEndArray();
            }

            if (output.WrittenCount > maxPatchBytes)
            {
                return null;
            }

            var patch = output.WrittenMemory.ToArray();
            var applied = ConfigPatchApplier.Apply(document, patch, target.Length);
            return applied.AsSpan().SequenceEqual(target.Span) ? patch : null;
        }
        catch (Exception ex) when (ex is ConfigPatchException or JsonException or GiveUp)
        {
            return null;
        }
    }

    /// <summary>
    /// The deepest value that holds every changed byte, in both documents, and its pointer: the bytes before the first
    /// change and after the last are equal (one vectorised comparison each way), so only the members on the way down to
    /// the change are stepped over, and nothing after it is read. Diffing starts there.
    /// </summary>
    private static (ReadOnlyMemory<byte> From, ReadOnlyMemory<byte> To, string Path) Narrow(ReadOnlyMemory<byte> document, ReadOnlyMemory<byte> target)
    {
        var a = document.Span;
        var b = target.Span;
        var prefix = a.CommonPrefixLength(b);
        var suffix = CommonBytes.SuffixLength(a[prefix..], b[prefix..]);

        var (changedEnd, shift) = (a.Length - suffix, b.Length - a.Length);
        var (start, end, path) = (JsonScanner.SkipTrivia(a, 0), a.Length, "");
        while (start < prefix && a[start] is (byte)'{' or (byte)'[')
        {
            var member = FindMember(a, start, prefix, changedEnd);
            if (member is not var (name, valueStart, valueEnd) || valueStart >= prefix || JsonScanner.Kind(a[valueStart..valueEnd]) == 0 || a[valueStart] != b[valueStart])
            {
                break;
            }

            (start, end, path) = (valueStart, valueEnd, path + "/" + JsonPointer.Escape(name));
        }

        if (start >= prefix)
        {
            (start, end, path) = (0, a.Length, "");
        }

        return (document[start..end], target[start..(end + shift)], path);
    }

    /// <summary>The member of the container at <paramref name="container"/> whose value holds [<paramref name="from"/>, <paramref name="to"/>), or <see langword="null"/>.</summary>
    private static (string Name, int Start, int End)? FindMember(ReadOnlySpan<byte> json, int container, int from, int to)
    {
        var isObject = json[container] == '{';
        var i = JsonScanner.SkipTrivia(json, container + 1);
        for (var index = 0; i < json.Length && json[i] is not ((byte)'}' or (byte)']'); index++)
        {
            var (nameStart, nameEnd, valueStart) = (i, i, i);
            if (isObject)
            {
                nameEnd = JsonScanner.SkipString(json, i);
                valueStart = JsonScanner.SkipTrivia(json, JsonScanner.SkipTrivia(json, nameEnd) + 1);
            }

            var valueEnd = JsonScanner.SkipValue(json, valueStart);
            if (valueEnd > from)
            {
                return valueStart <= from && valueEnd >= to
                    ? (isObject ? JsonScanner.Name(json, nameStart, nameEnd) : index.ToString(System.Globalization.CultureInfo.InvariantCulture), valueStart, valueEnd)
                    : null;
            }

            i = JsonScanner.SkipTrivia(json, valueEnd);
            i = i < json.Length && json[i] == ',' ? JsonScanner.SkipTrivia(json, i + 1) : i;
        }

        return null;
    }

    private static void Diff(JsonOverlay from, JsonOverlay to, string path, ref Context context, ref long budget)
    {
        if (from.Raw.Span.SequenceEqual(to.Raw.Span))
        {
            return;
        }

        var fromKind = JsonScanner.Kind(from.Raw.Span);
        if (fromKind == 0 || fromKind != JsonScanner.Kind(to.Raw.Span))
        {
            Replace(path, from, to.Raw, ref context);
            return;
        }

        from.TryOpen(ref budget);
        to.TryOpen(ref budget);
        if (from.IsObject ? !DiffObject(from, to, path, ref context, ref budget) : !DiffArray(from, to, path, ref context, ref budget))
        {
            Replace(path, from, to.Raw, ref context);
        }
    }

    /// <summary>Members by name; false when the container must be replaced whole.</summary>
    private static bool DiffObject(JsonOverlay from, JsonOverlay to, string path, ref Context context, ref long budget)
    {
        if (from.HasDuplicateKeys || to.HasDuplicateKeys)
        {
            return false;
        }

        var fromIndex = new Dictionary<string, int>(from.Members!.Count, StringComparer.Ordinal);
        for (var i = 0; i < from.Members.Count; i++)
        {
            fromIndex[from.Members[i].Key!] = i;
        }

        // The members both have must keep their order (an object add cannot move a member).
        var toMembers = to.Members!;
        var toKeys = new HashSet<string>(toMembers.Select(m => m.Key!), StringComparer.Ordinal);
        var last = -1;
        foreach (var member in toMembers)
        {
            if (fromIndex.TryGetValue(member.Key!, out var at))
            {
                if (at < last)
                {
                    return false;
                }

                last = at;
            }
        }

        // What the applier will make of this container's skeleton, checked against the target's before anything is written.
        var simulated = from.CloneOpened();
        var edits = new List<(string Op, string Key, int ToIndex, string? Before)>();
        for (var i = from.Members.Count - 1; i >= 0; i--)
        {
            if (!toKeys.Contains(from.Members[i].Key!))
            {
                simulated.RemoveAt(i, ref budget);
                edits.Add(("remove", from.Members[i].Key!, -1, null));
            }
        }

        for (var i = 0; i < toMembers.Count; i++)
        {
            var key = toMembers[i].Key!;
            if (fromIndex.ContainsKey(key))
            {
                continue;
            }

            string? before = null;
            for (var j = i + 1; j < toMembers.Count && before is null; j++)
            {
                before = fromIndex.ContainsKey(toMembers[j].Key!) ? toMembers[j].Key : null;
            }

            var position = before is null ? simulated.Members!.Count : simulated.IndexOf(before, ref budget);
            simulated.Insert(position, key, ReadOnlyMemory<byte>.Empty, ref budget);
            edits.Add(("add", key, i, before));
        }

        if (!SameSkeleton(simulated, to))
        {
            return false;
        }

        foreach (var (op, key, toIndex, before) in edits)
        {
            var memberPath = path + "/" + JsonPointer.Escape(key);
            if (op == "remove")
            {
                Write(ref context, "remove", memberPath, null, null);
            }
            else
            {
                var value = toMembers[toIndex].Value.Raw;
                Strict(value);
                Write(ref context, "add", memberPath, value, before);
            }
        }

        foreach (var member in toMembers)
        {
            if (fromIndex.TryGetValue(member.Key!, out var at))
            {
                Diff(from.Members[at].Value, member.Value, path + "/" + JsonPointer.Escape(member.Key!), ref context, ref budget);
            }
        }

        return true;
    }

    /// <summary>Elements by position: a common head and tail are kept, the middle is diffed pairwise, the rest added or removed.</summary>
    private static bool DiffArray(JsonOverlay from, JsonOverlay to, string path, ref Context context, ref long budget)
    {
        var a = from.Members!;
        var b = to.Members!;
        var head = 0;
        while (head < a.Count && head < b.Count && a[head].Value.Raw.Span.SequenceEqual(b[head].Value.Raw.Span))
        {
            head++;
        }

        var tail = 0;
        while (tail < a.Count - head && tail < b.Count - head && a[a.Count - 1 - tail].Value.Raw.Span.SequenceEqual(b[b.Count - 1 - tail].Value.Raw.Span))
        {
            tail++;
        }

        var fromMiddle = a.Count - head - tail;
        var toMiddle = b.Count - head - tail;
        var paired = Math.Min(fromMiddle, toMiddle);
        var simulated = from.CloneOpened();
        for (var i = head + fromMiddle - 1; i >= head + paired; i--)
        {
            simulated.RemoveAt(i, ref budget);
        }

        for (var i = head + paired; i < head + toMiddle; i++)
        {
            simulated.Insert(i, null, ReadOnlyMemory<byte>.Empty, ref budget);
        }

        if (!SameSkeleton(simulated, to))
        {
            return false;
        }

        for (var i = head; i < head + paired; i++)
        {
            Diff(a[i].Value, b[i].Value, path + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), ref context, ref budget);
        }

        for (var i = head + fromMiddle - 1; i >= head + paired; i--)
        {
            Write(ref context, "remove", path + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null, null);
        }

        for (var i = head + paired; i < head + toMiddle; i++)
        {
            var value = b[i].Value.Raw;
            Strict(value);
            Write(ref context, "add", path + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), value, null);
        }

        return true;
    }

    /// <summary>Whether everything but the members' values is the same bytes: brackets, separators, names, colons.</summary>
    private static bool SameSkeleton(JsonOverlay simulated, JsonOverlay target)
    {
        if (!simulated.Open.Span.SequenceEqual(target.Open.Span) || !simulated.Close.Span.SequenceEqual(target.Close.Span) || simulated.Members!.Count != target.Members!.Count)
        {
            return false;
        }

        for (var i = 0; i < target.Members.Count; i++)
        {
            var (s, t) = (simulated.Members[i], target.Members[i]);
            if (!s.Separator.Span.SequenceEqual(t.Separator.Span) || !s.KeyRaw.Span.SequenceEqual(t.KeyRaw.Span) || !s.Colon.Span.SequenceEqual(t.Colon.Span))
            {
                return false;
            }
        }

        return true;
    }

    private static void Replace(string path, JsonOverlay from, ReadOnlyMemory<byte> value, ref Context context)
    {
        Strict(value);

        // Where the replaced value lies in the base (the extension member "at"): the node splices without reading.
        (int, int)? at = context.Base.Array is { } array && MemoryMarshal.TryGetArray(from.Raw, out var segment) && segment.Array == array
            ? (segment.Offset - context.Base.Offset, segment.Count)
            : null;
        Write(ref context, "replace", path, value, null, at);
    }

    private static void Write(ref Context context, string op, string path, ReadOnlyMemory<byte>? value, string? before, (int Offset, int Length)? at = null)
    {
        var writer = context.Writer;
        writer.WriteStartObject();
        writer.WriteString("op"u8, op);
        writer.WriteString("path"u8, path);
        if (before is not null)
        {
            writer.WriteString("before"u8, before);
        }

        if (at is var (offset, length))
        {
            writer.WriteStartArray("at"u8);
            writer.WriteNumberValue(offset);
            writer.WriteNumberValue(length);
            writer.WriteEndArray();
        }

        if (value is { } raw)
        {
            writer.WritePropertyName("value"u8);
            writer.WriteRawValue(raw.Span, skipInputValidation: true);
        }

        writer.WriteEndObject();
        if (writer.BytesPending + context.Output.WrittenCount > context.MaxBytes)
        {
            throw new GiveUp();
        }
    }

    /// <summary>A value goes into the patch as its exact bytes, which must then be strict JSON (no comments, no trailing comma).</summary>
    private static void Strict(ReadOnlyMemory<byte> value)
    {
        var reader = new Utf8JsonReader(value.Span, StrictOptions);
        reader.Read();
        reader.Skip();
        if (reader.BytesConsumed != value.Length)
        {
            throw new GiveUp();
        }
    }

    private readonly record struct Context(Utf8JsonWriter Writer, long MaxBytes, ArrayBufferWriter<byte> Output, ArraySegment<byte> Base);

    private sealed class GiveUp : Exception
    {
    }
}
