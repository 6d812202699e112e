using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text.Json;

namespace Resilience.ClusterLink.WebSockets.Protocol;

/// <summary>
/// Framing shared by both ends of the link (docs/protocol.md, "Framing"): reading one whole message under a size limit,
/// control messages as JSON text, and the binary envelope <c>[u32 big-endian header length][UTF-8 JSON header][payload]</c>.
/// Every method that reads a peer's bytes throws <see cref="LinkProtocolException"/> for bytes that break the protocol.
/// </summary>
public static class LinkFraming
{
    /// <summary>Reads one whole message (all its frames).</summary>
    /// <param name="socket">The socket.</param>
    /// <param name="maxBytes">Largest message accepted; larger ends the connection.</param>
    /// <param name="onData">Called whenever bytes arrive (feeds the liveness watchdog).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The message, or <see langword="null"/> when the peer closed.</returns>
    /// <exception cref="LinkProtocolException">The message exceeds <paramref name="maxBytes"/>.</exception>
    public static async ValueTask<LinkFrame?> ReceiveAsync(WebSocket socket, long maxBytes, Action? onData, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length >= maxBytes)
                {
                    throw LinkProtocolException.TooBig($"a message exceeds the limit of {maxBytes} bytes");
                }

                var grown = new byte[(int)Math.Min(Math.Min(maxBytes, Array.MaxLength), (long)buffer.Length * 2)];
                buffer.AsSpan(0, length).CopyTo(grown);
                buffer = grown;
            }

            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            onData?.Invoke();
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                // A peer may end a message exactly at the limit; one byte more is refused above.
                if (length > maxBytes)
                {
                    throw LinkProtocolException.TooBig($"a message exceeds the limit of {maxBytes} bytes");
                }

                return new LinkFrame(result.MessageType, buffer, length);
            }

            if (length >= maxBytes)
            {
                throw LinkProtocolException.TooBig($"a message exceeds the limit of {maxBytes} bytes");
            }
        }
    }

    /// <summary>Reads the <c>type</c> of a control message (a text message of at most <see cref="LinkProtocol.MaxControlMessageBytes"/>).</summary>
    /// <param name="frame">A text message.</param>
    /// <returns>The message type and the JSON object, for <see cref="Deserialize{T}(JsonElement)"/>.</returns>
    /// <exception cref="LinkProtocolException">Not a text message, too big, or not a JSON object with a string <c>type</c>.</exception>
    public static (string Type, JsonElement Root) ParseControl(LinkFrame frame)
    {
        if (frame.Kind != WebSocketMessageType.Text)
        {
            throw LinkProtocolException.Malformed("expected a text message");
        }

        if (frame.Length > LinkProtocol.MaxControlMessageBytes)
        {
            throw LinkProtocolException.TooBig($"a control message exceeds {LinkProtocol.MaxControlMessageBytes} bytes");
        }

        try
        {
            using var document = JsonDocument.Parse(frame.Memory, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("type", out var type)
                || type.ValueKind != JsonValueKind.String
                || string.IsNullOrEmpty(type.GetString()))
            {
                throw LinkProtocolException.Malformed("a control message must be a JSON object with a string 'type'");
            }

            return (type.GetString()!, document.RootElement.Clone());
        }
        catch (JsonException ex)
        {
            throw LinkProtocolException.Malformed($"a control message is not JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // JsonDocument does not validate the UTF-8 inside strings; reading a damaged 'type' throws this.
            throw LinkProtocolException.Malformed($"a control message's type is not valid UTF-8: {ex.Message}", ex);
        }
    }

    /// <summary>Deserializes a control message already known to be well-formed JSON (from <see cref="ParseControl(LinkFrame)"/>).</summary>
    /// <typeparam name="T">One of the message types of this namespace (<see cref="HelloMessage"/>, <see cref="HeartbeatMessage"/>, ...).</typeparam>
    /// <param name="root">The JSON object.</param>
    /// <returns>The message.</returns>
    /// <exception cref="LinkProtocolException">A field has the wrong JSON type.</exception>
    public static T Deserialize<T>(JsonElement root)
        where T : LinkMessage
    {
        try
        {
            return (T)(root.Deserialize(typeof(T), LinkJsonContext.Default) ?? throw LinkProtocolException.Malformed("a control message is null"));
        }
        catch (JsonException ex)
        {
            throw LinkProtocolException.Malformed($"a '{typeof(T).Name}' has fields of the wrong type: {ex.Message}", ex);
        }
    }

    /// <summary>Encodes a control message: the UTF-8 JSON of a text message, <c>null</c> fields left out.</summary>
    /// <typeparam name="T">One of the message types of this namespace.</typeparam>
    /// <param name="message">The message.</param>
    /// <returns>The bytes to send as one text message.</returns>
    public static byte[] EncodeControl<T>(T message)
        where T : LinkMessage
    {
        ArgumentNullException.ThrowIfNull(message);
        return JsonSerializer.SerializeToUtf8Bytes(message, typeof(T), LinkJsonContext.Default);
    }

    /// <summary>Sends a control message as one text message.</summary>
    /// <typeparam name="T">One of the message types of this namespace.</typeparam>
    /// <param name="socket">The socket; the caller keeps one send at a time.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the send (which aborts the socket).</param>
    /// <returns>A task that completes when the message is sent.</returns>
    public static ValueTask SendControlAsync<T>(WebSocket socket, T message, CancellationToken cancellationToken)
        where T : LinkMessage
    {
        ArgumentNullException.ThrowIfNull(socket);
        return socket.SendAsync(EncodeControl(message).AsMemory(), WebSocketMessageType.Text, true, cancellationToken);
    }

    /// <summary>Builds a binary message: header length, header, payload.</summary>
    /// <param name="header">The header; its <see cref="LinkMessage.Type"/> says what the payload is.</param>
    /// <param name="payload">The payload, already encoded as <see cref="BinaryHeader.Encoding"/> says.</param>
    /// <returns>The bytes to send as one binary message.</returns>
    public static byte[] EncodeBinary(BinaryHeader header, ReadOnlySpan<byte> payload)
    {
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, LinkJsonContext.Default.BinaryHeader);
        var message = new byte[4 + headerBytes.Length + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(message, (uint)headerBytes.Length);
        headerBytes.CopyTo(message.AsSpan(4));
        payload.CopyTo(message.AsSpan(4 + headerBytes.Length));
        return message;
    }

    /// <summary>Splits a binary message into its header and payload.</summary>
    /// <param name="frame">A binary message.</param>
    /// <returns>The header and the payload (a slice of the frame's buffer).</returns>
    /// <exception cref="LinkProtocolException">Not a binary message, or the envelope is damaged.</exception>
    public static (BinaryHeader Header, ReadOnlyMemory<byte> Payload) DecodeBinary(LinkFrame frame)
    {
        if (frame.Kind != WebSocketMessageType.Binary)
        {
            throw LinkProtocolException.Malformed("expected a binary message");
        }

        var span = frame.Span;
        if (span.Length < 4)
        {
            throw LinkProtocolException.Malformed("a binary message is shorter than its 4-byte header length");
        }

        var headerLength = BinaryPrimitives.ReadUInt32BigEndian(span);
        if (headerLength == 0 || headerLength > LinkProtocol.MaxHeaderBytes || headerLength > span.Length - 4)
        {
            throw LinkProtocolException.Malformed($"a binary message claims a header of {headerLength} bytes");
        }

        BinaryHeader? header;
        try
        {
            header = JsonSerializer.Deserialize(span.Slice(4, (int)headerLength), LinkJsonContext.Default.BinaryHeader);
        }
        catch (JsonException ex)
        {
            throw LinkProtocolException.Malformed($"a binary message header is not JSON: {ex.Message}", ex);
        }

        if (header?.Type is not { Length: > 0 })
        {
            throw LinkProtocolException.Malformed("a binary message header has no 'type'");
        }

        return (header, frame.Memory[(4 + (int)headerLength)..]);
    }

    /// <summary>
    /// Closes the socket politely, bounded by <paramref name="timeout"/>: sends the close frame and, when no receive
    /// is pending (<paramref name="drain"/>), reads until the peer's close so the frame is not lost to a reset.
    /// Errors are ignored since the connection is going anyway.
    /// </summary>
    /// <param name="socket">The socket; aborted at the end.</param>
    /// <param name="code">The close code (<see cref="LinkProtocol.CloseCodes"/>).</param>
    /// <param name="reason">The close reason; cut to 100 characters.</param>
    /// <param name="timeout">How long closing may take.</param>
    /// <param name="timeProvider">The clock of <paramref name="timeout"/>.</param>
    /// <param name="drain">Whether to read until the peer's close (only when no receive is pending).</param>
    /// <returns>A task that completes when the socket is closed or aborted.</returns>
    public static async Task CloseQuietlyAsync(WebSocket socket, int code, string reason, TimeSpan timeout, TimeProvider timeProvider, bool drain = true)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var cts = new CancellationTokenSource(timeout, timeProvider);
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, Truncate(reason), cts.Token).ConfigureAwait(false);
                var buffer = new byte[4096];
                while (drain && socket.State == WebSocketState.CloseSent)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(), cts.Token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException or InvalidOperationException)
        {
        }
        finally
        {
            socket.Abort();
        }
    }

    /// <summary>Close reasons are limited to 123 UTF-8 bytes by RFC 6455.</summary>
    private static string Truncate(string reason) => reason.Length <= 100 ? reason : reason[..100];
}
