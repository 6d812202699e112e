using System.Text;

namespace Resilience.Yarp;

/// <summary>
/// The property names of one of YARP's configuration objects, matched as the configuration binder matches keys:
/// ignoring case (<see cref="StringComparer.OrdinalIgnoreCase"/>). ASCII names, the only ones in practice, are
/// compared as UTF-8 bytes; a name with other characters is decoded and compared as the binder would
/// (<c>"Clusterıd"</c>, with a dotless i, is <c>ClusterId</c> to it).
/// </summary>
internal sealed class PropertyNames
{
    private readonly string[] _names;
    private readonly byte[][] _utf8;

    public PropertyNames(params string[] names)
    {
        if (names.Length > 64)
        {
            throw new ArgumentException("at most 64 names: one bit each in ObjectKeys", nameof(names));
        }

        _names = names;
        _utf8 = [.. names.Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>Gets the index of <paramref name="name"/>, or -1 when it is not one of these names.</summary>
    public int IndexOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < _utf8.Length; i++)
        {
            if (JsonValues.Is(name, _utf8[i]))
            {
                return i;
            }
        }

        if (System.Text.Ascii.IsValid(name))
        {
            return -1;
        }

        var decoded = Encoding.UTF8.GetString(name);
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.Equals(decoded, _names[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
