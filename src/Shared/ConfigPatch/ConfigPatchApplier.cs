using System.Text.Json;

namespace Resilience;

/// <summary>
/// Applies an RFC 6902 JSON Patch to the bytes of a JSON document, keeping every byte the patch does not touch
/// (docs/protocol.md, "Delta sync"). Runs <c>add</c>, <c>remove</c> and <c>replace</c> in order, as RFC 6902 says;
/// refuses <c>move</c>, <c>copy</c> and <c>test</c>, which the control plane does not send. A value is inserted
/// as the exact bytes the patch carries. Two extension members (RFC 6902 section 4 has other appliers ignore them):
/// <c>before</c> on an <c>add</c> into an object names the member the new one goes in front of (without it the new
/// member is appended, as a JSON tree would append it); <c>at</c> on a <c>replace</c> gives the offset and length of
/// the replaced value in the document, so that a patch of replacements is spliced without reading the document.
/// </summary>
/// <remarks>
/// Bounded for a hostile patch: JSON depth (<see cref="JsonOverlay.MaxDepth"/>), and a budget of bytes read and members
/// moved of a few times the document (<see cref="Budget"/>); the result has the size the sender announced or is
/// refused before it is written. Every refusal is a <see cref="ConfigPatchException"/> with a typed reason.
/// </remarks>
internal static class ConfigPatchApplier
{
    private static readonly JsonReaderOptions PatchReaderOptions = new() { MaxDepth = JsonOverlay.MaxDepth + 2 };

    /// <summary>How much work a patch may cause: reading the document four times over, plus its own size and a floor.</summary>
    public static long Budget(int baseLength, int patchLength) => (4L * baseLength) + patchLength + (1L << 20);

    /// <summary>Applies <paramref name="patch"/> to <paramref name="document"/>.</summary>
    /// <param name="document">The base document's bytes.</param>
    /// <param name="patch">The patch: a UTF-8 JSON array of operations.</param>
    /// <param name="expectedLength">The size the result must have; checked before it is written.</param>
    /// <returns>The patched document.</returns>
    /// <exception cref="ConfigPatchException">The patch is refused; nothing is returned.</exception>
    public static byte[] Apply(ReadOnlyMemory<byte> document, ReadOnlyMemory<byte> patch, long expectedLength)
    {
        var budget = Budget(document.Length, patch.Length);
        var root = JsonOverlay.Of(document);
        var operations = new List<Operation>();
        try
        {
            var reader = new Utf8JsonReader(patch.Span, PatchReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw Malformed("a patch is a JSON array of operations");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                operations.Add(ReadOperation(ref reader, patch, operations.Count));
            }

            if (reader.Read())
            {
                throw Malformed("the patch has content after its array");
            }

            if (Splice(document, operations, expectedLength) is { } spliced)
            {
                return spliced;
            }

            foreach (var operation in operations)
            {
                root = Run(root, operation, ref budget);
            }
        }
        catch (JsonException ex)
        {
            throw Malformed($"the patch is not well-formed JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // A string the reader cannot decode (invalid UTF-8 or escapes).
            throw Malformed($"the patch has an unreadable string: {ex.Message}", ex);
        }

        var length = root.Length();
        if (length != expectedLength)
        {
            throw new ConfigPatchException(ConfigPatchFailure.SizeMismatch, $"the patched document has {length} bytes, not the announced {expectedLength}");
        }

        var result = new byte[length];
        root.WriteTo(result);
        return result;
    }

    /// <summary>
    /// The fast way, for a patch of <c>replace</c> operations that all say where their value lies in the document
    /// (<c>at</c>: offset and length, an extension member the control plane adds): the new values are spliced in without
    /// reading the document. Returns <see langword="null"/> when the patch is not such a patch, or its places overlap or
    /// fall outside the document; the operations then run by their pointers. A place that is not the pointer's value
    /// gives bytes that do not hash to the target, which the caller refuses.
    /// </summary>
    private static byte[]? Splice(ReadOnlyMemory<byte> document, List<Operation> operations, long expectedLength)
    {
        long length = document.Length;
        var end = 0L;
        foreach (var operation in operations)
        {
            if (operation.Op != "replace" || operation.At is not { } at || at.Offset < end || at.Offset + (long)at.Length > document.Length)
            {
                return null;
            }

            end = at.Offset + (long)at.Length;
            length += operation.Value.Length - at.Length;
        }

        if (operations.Count == 0 || length != expectedLength)
        {
            return null;
        }

        var result = new byte[length];
        var source = document.Span;
        int read = 0, written = 0;
        foreach (var operation in operations)
        {
            var (offset, replaced) = operation.At!.Value;
            source[read..offset].CopyTo(result.AsSpan(written));
            written += offset - read;
            operation.Value.Span.CopyTo(result.AsSpan(written));
            written += operation.Value.Length;
            read = offset + replaced;
        }

        source[read..].CopyTo(result.AsSpan(written));
        return result;
    }

    private static JsonOverlay Run(JsonOverlay root, Operation operation, ref long budget)
    {
        var segments = JsonPointer.Parse(operation.Path);
        if (segments.Count == 0)
        {
            // The whole document: add and replace set it; it cannot be removed.
            if (operation.Op == "remove")
            {
                throw new ConfigPatchException(ConfigPatchFailure.PathNotFound, "the document itself cannot be removed");
            }

            return JsonOverlay.Of(operation.Value);
        }

        var parent = root;
        for (var i = 0; i < segments.Count - 1; i++)
        {
            parent = Child(parent, segments[i], operation.Path, ref budget);
        }

        Open(parent, operation.Path, ref budget);
        var last = segments[^1];
        var members = parent.Members!;
        if (parent.IsObject)
        {
            var at = parent.IndexOf(last, ref budget);
            switch (operation.Op)
            {
                case "add" when at >= 0:
                case "replace" when at >= 0:
                    members[at].Value.Set(operation.Value);
                    break;
                case "add":
                    var before = members.Count;
                    if (operation.Before is { } name && (before = parent.IndexOf(name, ref budget)) < 0)
                    {
                        throw new ConfigPatchException(ConfigPatchFailure.PathNotFound, $"'{operation.Path}': no member '{name}' to add before");
                    }

                    parent.Insert(before, last, operation.Value, ref budget);
                    break;
                case "remove" when at >= 0:
                    parent.RemoveAt(at, ref budget);
                    break;
                default:
                    throw new ConfigPatchException(ConfigPatchFailure.PathNotFound, $"'{operation.Path}' names no member");
            }

            return root;
        }

        var count = members.Count;
        var index = last == "-" && operation.Op == "add" ? count : JsonPointer.Index(last, operation.Path);
        switch (operation.Op)
        {
            case "add" when index <= count:
                parent.Insert(index, null, operation.Value, ref budget);
                break;
            case "replace" when index < count:
                members[index].Value.Set(operation.Value);
                break;
            case "remove" when index < count:
                parent.RemoveAt(index, ref budget);
                break;
            default:
                throw new ConfigPatchException(ConfigPatchFailure.PathNotFound, $"'{operation.Path}': index {index} is outside an array of {count}");
        }

        return root;
    }

    private static JsonOverlay Child(JsonOverlay node, string segment, string path, ref long budget)
    {
        Open(node, path, ref budget);
        if (node.IsObject)
        {
            var at = node.IndexOf(segment, ref budget);
            return at >= 0 ? node.Members![at].Value : throw new ConfigPatchException(ConfigPatchFailure.PathNotFound, $"'{path}': no member '{segment}'");
        }

        var index = JsonPointer.Index(segment, path);
        return index < node.Members!.Count ? node.Members[index].Value : throw new ConfigPatchException(ConfigPatchFailure.PathNotFound, $"'{path}': index {index} is outside an array of {node.Members.Count}");
    }

    private static void Open(JsonOverlay node, string path, ref long budget)
    {
        if (!node.TryOpen(ref budget))
        {
            throw new ConfigPatchException(ConfigPatchFailure.PathNotFound, $"'{path}' goes through a value that is not an object or an array");
        }

        if (node.HasDuplicateKeys)
        {
            throw new ConfigPatchException(ConfigPatchFailure.Ambiguous, $"'{path}' goes through an object that has a member name twice");
        }
    }

    private static Operation ReadOperation(ref Utf8JsonReader reader, ReadOnlyMemory<byte> patch, int index)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed($"operation {index} is not an object");
        }

        string? op = null, path = null, before = null;
        ReadOnlyMemory<byte>? value = null;
        (int Offset, int Length)? at = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("op"u8))
            {
                op = ReadString(ref reader, index, "op");
            }
            else if (reader.ValueTextEquals("path"u8))
            {
                path = ReadString(ref reader, index, "path");
            }
            else if (reader.ValueTextEquals("before"u8))
            {
                before = ReadString(ref reader, index, "before");
            }
            else if (reader.ValueTextEquals("at"u8))
            {
                at = ReadPlace(ref reader, index);
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                value = patch[start..(int)reader.BytesConsumed];
            }
            else
            {
                // RFC 6902 section 4: members an operation does not define are ignored.
                reader.Read();
                reader.Skip();
            }
        }

        if (op is null || path is null)
        {
            throw Malformed($"operation {index} lacks 'op' or 'path'");
        }

        if (op is "move" or "copy" or "test")
        {
            throw new ConfigPatchException(ConfigPatchFailure.Unsupported, $"operation {index}: '{op}' is not applied here (the control plane sends add, remove and replace)");
        }

        if (op is not ("add" or "remove" or "replace"))
        {
            throw Malformed($"operation {index}: unknown op '{op}'");
        }

        if (op != "remove" && value is null)
        {
            throw Malformed($"operation {index}: '{op}' lacks 'value'");
        }

        return new Operation(op, path, value ?? default, before, at);
    }

    /// <summary><c>at</c>: <c>[offset, length]</c> of the value an operation replaces, two integers from 0 to <see cref="int.MaxValue"/>.</summary>
    private static (int, int) ReadPlace(ref Utf8JsonReader reader, int index)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartArray && reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var offset) && offset >= 0
            && reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var length) && length >= 0
            && reader.Read() && reader.TokenType == JsonTokenType.EndArray)
        {
            return (offset, length);
        }

        throw Malformed($"operation {index}: 'at' is not [offset, length]");
    }

    private static string ReadString(ref Utf8JsonReader reader, int index, string name)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw Malformed($"operation {index}: '{name}' is not a string");
    }

    private static ConfigPatchException Malformed(string message, Exception? inner = null) => new(ConfigPatchFailure.Malformed, message, inner);

    private readonly record struct Operation(string Op, string Path, ReadOnlyMemory<byte> Value, string? Before, (int Offset, int Length)? At);
}
