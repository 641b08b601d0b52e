using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Shoal.Coap.Payloads;

internal enum PayloadFieldType
{
    UInt8,
    Int8,
    UInt16,
    Int16,
    UInt32,
    Int32,
    Float32,
    Float64,
    String,
}

/// <summary>
/// One value at a fixed place in a binary payload. Numbers are big-endian unless <paramref name="LittleEndian"/>;
/// a <paramref name="Scale"/> multiplies the raw number on the way up and divides the property on the way down.
/// A string occupies <paramref name="Length"/> bytes of UTF-8, padded with NULs.
/// </summary>
internal sealed record PayloadField(string Name, int Offset, PayloadFieldType Type, decimal? Scale = null, bool LittleEndian = false, int Length = 0)
{
    /// <summary>The type names a definition may use, in the order of <see cref="PayloadFieldType"/>.</summary>
    public static readonly IReadOnlyList<string> TypeNames = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64", "string"];

    public static bool TryParseType(string? name, out PayloadFieldType type)
    {
        for (var i = 0; i < TypeNames.Count; i++)
        {
            if (TypeNames[i] == name)
            {
                type = (PayloadFieldType)i;
                return true;
            }
        }
        type = default;
        return false;
    }

    public int Size => Type switch
    {
        PayloadFieldType.UInt8 or PayloadFieldType.Int8 => 1,
        PayloadFieldType.UInt16 or PayloadFieldType.Int16 => 2,
        PayloadFieldType.UInt32 or PayloadFieldType.Int32 or PayloadFieldType.Float32 => 4,
        PayloadFieldType.Float64 => 8,
        _ => Length,
    };

    /// <summary>The first byte after the field.</summary>
    public int End => Offset + Size;

    public bool IsNumeric => Type != PayloadFieldType.String;

    /// <summary>Writes the field's value as a property; false when the payload is too short or the text is not storable.</summary>
    public bool TryRead(ReadOnlySpan<byte> payload, Utf8JsonWriter json)
    {
        if (payload.Length < End)
        {
            return false;
        }
        var bytes = payload.Slice(Offset, Size);
        switch (Type)
        {
            case PayloadFieldType.UInt8:
                WriteInteger(json, bytes[0]);
                return true;
            case PayloadFieldType.Int8:
                WriteInteger(json, (sbyte)bytes[0]);
                return true;
            case PayloadFieldType.UInt16:
                WriteInteger(json, LittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : BinaryPrimitives.ReadUInt16BigEndian(bytes));
                return true;
            case PayloadFieldType.Int16:
                WriteInteger(json, LittleEndian ? BinaryPrimitives.ReadInt16LittleEndian(bytes) : BinaryPrimitives.ReadInt16BigEndian(bytes));
                return true;
            case PayloadFieldType.UInt32:
                WriteInteger(json, LittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes));
                return true;
            case PayloadFieldType.Int32:
                WriteInteger(json, LittleEndian ? BinaryPrimitives.ReadInt32LittleEndian(bytes) : BinaryPrimitives.ReadInt32BigEndian(bytes));
                return true;
            case PayloadFieldType.Float32:
                var single = LittleEndian ? BinaryPrimitives.ReadSingleLittleEndian(bytes) : BinaryPrimitives.ReadSingleBigEndian(bytes);
                WriteFloat(json, single);
                return true;
            case PayloadFieldType.Float64:
                var number = LittleEndian ? BinaryPrimitives.ReadDoubleLittleEndian(bytes) : BinaryPrimitives.ReadDoubleBigEndian(bytes);
                WriteFloat(json, number);
                return true;
            default:
                return TryReadString(bytes, json);
        }
    }

    /// <summary>Fills the field from <paramref name="value"/>, the command parameter of its name; the error when it cannot.</summary>
    public string? Write(JsonElement? value, Span<byte> payload)
    {
        if (value is not { } element)
        {
            return $"the command has no parameter \"{Name}\"";
        }
        var bytes = payload.Slice(Offset, Size);
        if (Type == PayloadFieldType.String)
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                return $"parameter \"{Name}\" must be a string";
            }
            string text;
            try
            {
                text = element.GetString()!;
            }
            catch (InvalidOperationException)
            {
                return $"parameter \"{Name}\" is not valid text";
            }
            if (Encoding.UTF8.GetByteCount(text) > Length)
            {
                return $"parameter \"{Name}\" is longer than the field's {Length} bytes";
            }
            Encoding.UTF8.GetBytes(text, bytes);
            return null;
        }
        if (element.ValueKind != JsonValueKind.Number)
        {
            return $"parameter \"{Name}\" must be a number";
        }
        if (Type is PayloadFieldType.Float32 or PayloadFieldType.Float64)
        {
            return WriteFloat(element, bytes);
        }
        if (!element.TryGetDecimal(out var given) || !TryUnscale(given, out var raw))
        {
            return OutOfRange();
        }
        raw = Math.Round(raw, MidpointRounding.AwayFromZero);
        var (min, max) = Type switch
        {
            PayloadFieldType.UInt8 => (byte.MinValue, byte.MaxValue),
            PayloadFieldType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            PayloadFieldType.UInt16 => (ushort.MinValue, ushort.MaxValue),
            PayloadFieldType.Int16 => (short.MinValue, short.MaxValue),
            PayloadFieldType.UInt32 => (uint.MinValue, uint.MaxValue),
            _ => ((decimal)int.MinValue, (decimal)int.MaxValue),
        };
        if (raw < min || raw > max)
        {
            return OutOfRange();
        }
        var integer = (long)raw;
        switch (Type)
        {
            case PayloadFieldType.UInt8 or PayloadFieldType.Int8:
                bytes[0] = (byte)integer;
                break;
            case PayloadFieldType.UInt16 or PayloadFieldType.Int16:
                if (LittleEndian)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)integer);
                }
                else
                {
                    BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)integer);
                }
                break;
            default:
                if (LittleEndian)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)integer);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)integer);
                }
                break;
        }
        return null;
    }

    /// <summary>Beyond this a float is written as a double: decimal arithmetic would overflow.</summary>
    private const double DecimalLimit = 1e15;

    private void WriteInteger(Utf8JsonWriter json, long raw)
    {
        if (Scale is { } scale)
        {
            json.WriteNumber(Name, Normalise(raw * scale));
        }
        else
        {
            json.WriteNumber(Name, raw);
        }
    }

    /// <summary>
    /// A scaled float goes through decimal when it can, so that 21.5f times 0.1 reads 2.15 and not 2.1500000000000004.
    /// A value JSON cannot hold (NaN, infinity) is written as null.
    /// </summary>
    private void WriteFloat(Utf8JsonWriter json, double value)
    {
        if (!double.IsFinite(value))
        {
            json.WriteNull(Name);
        }
        else if (Scale is not { } scale)
        {
            if (Type == PayloadFieldType.Float32)
            {
                json.WriteNumber(Name, (float)value);
            }
            else
            {
                json.WriteNumber(Name, value);
            }
        }
        else if (Math.Abs(value) < DecimalLimit)
        {
            var exact = Type == PayloadFieldType.Float32 ? (decimal)(float)value : (decimal)value;
            json.WriteNumber(Name, Normalise(exact * scale));
        }
        else
        {
            json.WriteNumber(Name, value * (double)scale);
        }
    }

    private string? WriteFloat(JsonElement element, Span<byte> bytes)
    {
        if (!element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            return OutOfRange();
        }
        if (Scale is { } scale)
        {
            value = element.TryGetDecimal(out var exact) && TryUnscale(exact, out var unscaled) ? (double)unscaled : value / (double)scale;
        }
        if (Type == PayloadFieldType.Float32)
        {
            var single = (float)value;
            if (!float.IsFinite(single))
            {
                return OutOfRange();
            }
            if (LittleEndian)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes, single);
            }
            else
            {
                BinaryPrimitives.WriteSingleBigEndian(bytes, single);
            }
        }
        else if (LittleEndian)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
        }
        else
        {
            BinaryPrimitives.WriteDoubleBigEndian(bytes, value);
        }
        return null;
    }

    private bool TryUnscale(decimal value, out decimal raw)
    {
        if (Scale is not { } scale)
        {
            raw = value;
            return true;
        }
        try
        {
            raw = value / scale;
            return true;
        }
        catch (OverflowException)
        {
            raw = 0;
            return false;
        }
    }

    private string OutOfRange() => $"parameter \"{Name}\" is out of range for {TypeNames[(int)Type]}{(Scale is { } scale ? $" with scale {scale}" : "")}";

    /// <summary>Trailing NULs are padding. Text that is not UTF-8, or still holds a NUL, is not a value Shoal can store.</summary>
    private bool TryReadString(ReadOnlySpan<byte> bytes, Utf8JsonWriter json)
    {
        var text = bytes.TrimEnd((byte)0);
        if (text.Contains((byte)0) || !System.Text.Unicode.Utf8.IsValid(text))
        {
            return false;
        }
        json.WriteString(Name, text);
        return true;
    }

    /// <summary>Drops trailing zeros a product of decimals carries: 25.00 is written 25.</summary>
    private static decimal Normalise(decimal value) => value / 1.0000000000000000000000000000m;
}
