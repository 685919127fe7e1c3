using System.Buffers.Binary;
using System.Numerics;

namespace SkyPilot.TestKit;

/// <summary>
/// CRC32C (Castagnoli), the checksum Cloud Storage reports as <c>crc32c</c>: base64 of the big-endian 32-bit value.
/// Uses <see cref="BitOperations.Crc32C(uint, ulong)"/>, which is hardware-accelerated where the CPU has it.
/// </summary>
public static class Crc32c
{
    /// <summary>The running state before any byte; pass it to <see cref="Append"/> and <see cref="Finish"/>.</summary>
    public const uint Initial = 0xFFFFFFFFu;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));

    /// <summary>Feeds bytes into a running (not yet finished) state.</summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return state;
    }

    public static uint Finish(uint state) => ~state;

    /// <summary>Cloud Storage's spelling: base64 of the four big-endian bytes.</summary>
    public static string ToBase64(uint crc)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, crc);
        return Convert.ToBase64String(bytes);
    }
}
