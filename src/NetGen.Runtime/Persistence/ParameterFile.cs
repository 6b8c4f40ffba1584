using System;
using System.Buffers.Binary;
using System.IO;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using NetGen.Data;

namespace NetGen.Persistence
{
    /// <summary>Saves and loads a network's parameters, and optionally the feature standardisation fitted with them, in a
    /// versioned binary format (little-endian):
    /// <code>
    /// "NGPF"  magic (4 bytes)        u16 format version (1)     u8 bytes per value (4 or 8)   u8 reserved (0)
    /// u16 topology length, then the topology text (UTF-8, see Topology.Describe)
    /// i32 parameter count            i32 standardised features (0 if none), then their means and deviations (f64)
    /// the parameters (f32 or f64)    u32 CRC-32 of everything before it
    /// </code>
    /// Loading checks everything before touching the network: a file for another topology, a truncated, oversized or
    /// corrupt file throws <see cref="InvalidDataException"/> naming what differs, and the parameters stay as they were.</summary>
    public static class ParameterFile
    {
        /// <summary>The current format version.</summary>
        public const ushort Version = 1;

        private static ReadOnlySpan<byte> Magic => "NGPF"u8;

        /// <summary>Writes the parameters (and <paramref name="standardizer"/>, if any) to <paramref name="path"/>.</summary>
        public static void Save<T>(INeuralNetwork<T> network, string path, Standardizer? standardizer = null) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            File.WriteAllBytes(path, ToBytes(network, standardizer));
        }

        /// <summary>The file's bytes, as <see cref="Save{T}"/> writes them.</summary>
        public static byte[] ToBytes<T>(INeuralNetwork<T> network, Standardizer? standardizer = null) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            byte[] topology = Encoding.UTF8.GetBytes(Topology.Describe(network));
            if (topology.Length > ushort.MaxValue)
            {
                throw new NotSupportedException($"The topology's description is {topology.Length} bytes; the format holds at most {ushort.MaxValue}.");
            }

            int features = standardizer?.Mean.Length ?? 0;
            if (standardizer is not null && features != network.InputSize)
            {
                throw new ArgumentException($"The standardiser has {features} features, but the network has {network.InputSize} inputs.", nameof(standardizer));
            }

            int size = Unsafe.SizeOf<T>();
            var bytes = new byte[HeaderLength(topology.Length) + (16 * features) + (network.ParameterCount * size) + 4];
            var writer = new SpanWriter(bytes);
            writer.Bytes(Magic);
            writer.UInt16(Version);
            writer.Byte((byte)size);
            writer.Byte(0);
            writer.UInt16((ushort)topology.Length);
            writer.Bytes(topology);
            writer.Int32(network.ParameterCount);
            writer.Int32(features);
            for (int j = 0; j < features; j++)
            {
                writer.Double(standardizer!.Mean[j]);
                writer.Double(standardizer.StandardDeviation[j]);
            }

            ReadOnlySpan<T> parameters = network.Parameters;
            foreach (T value in parameters)
            {
                if (size == 4)
                {
                    writer.UInt32(BitConverter.SingleToUInt32Bits(float.CreateTruncating(value)));
                }
                else
                {
                    writer.UInt64(BitConverter.DoubleToUInt64Bits(double.CreateTruncating(value)));
                }
            }

            writer.UInt32(Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));
            return bytes;
        }

        /// <summary>Loads <paramref name="path"/> into <paramref name="network"/>; returns the saved standardiser, if any.</summary>
        /// <exception cref="InvalidDataException">The file does not fit the network or is damaged; nothing was changed.</exception>
        public static Standardizer? Load<T>(INeuralNetwork<T> network, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            long length = new FileInfo(path).Length;
            long maximum = HeaderLength(ushort.MaxValue) + (16L * network.InputSize) + ((long)network.ParameterCount * Unsafe.SizeOf<T>()) + 4;
            if (length > maximum)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)} has {length} bytes, more than a parameter file of this network can have ({maximum}); it is not one.");
            }

            return FromBytes(network, File.ReadAllBytes(path), Path.GetFileName(path));
        }

        /// <summary>Loads parameters from <paramref name="bytes"/>; see <see cref="Load{T}"/>.</summary>
        public static Standardizer? FromBytes<T>(INeuralNetwork<T> network, ReadOnlySpan<byte> bytes, string name = "the parameter file") where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            int size = Unsafe.SizeOf<T>();
            var reader = new SpanReader(bytes, name);
            (int count, int features) = ReadHeader(ref reader, network, name, size);
            CheckLengthAndChecksum(bytes, reader.Position, count, features, size, name);
            Standardizer? standardizer = features > 0 ? ReadStandardizer(ref reader, features, name) : null;

            // Everything checked: now, and only now, write the parameters.
            WriteParameters(network, reader.Bytes(count * size), count, size);
            return standardizer;
        }

        /// <summary>Magic, version, value size, topology, parameter count and standardised features, each checked against
        /// <paramref name="network"/>; returns the count and the number of features.</summary>
        private static (int Count, int Features) ReadHeader<T>(ref SpanReader reader, INeuralNetwork<T> network, string name, int size) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (!reader.Bytes(4).SequenceEqual(Magic))
            {
                throw new InvalidDataException($"{name} does not start with the NetGen magic number 'NGPF'; it is not a NetGen parameter file.");
            }

            ushort version = reader.UInt16();
            if (version != Version)
            {
                throw new InvalidDataException($"{name} has format version {version}; this NetGen reads version {Version}.");
            }

            byte valueSize = reader.Byte();
            byte reserved = reader.Byte();
            if (reserved != 0)
            {
                throw new InvalidDataException($"{name} has {reserved} in its reserved header byte; expected 0.");
            }

            string topology = Encoding.UTF8.GetString(reader.Bytes(reader.UInt16()));
            string expected = Topology.Describe(network);
            if (valueSize != size)
            {
                throw new InvalidDataException($"{name} holds {valueSize * 8}-bit values, but the network computes in {size * 8}-bit values.");
            }

            if (topology != expected)
            {
                throw new InvalidDataException($"{name} was saved from a different topology.\n  file:    {topology}\n  network: {expected}");
            }

            int count = reader.Int32();
            if (count != network.ParameterCount)
            {
                throw new InvalidDataException($"{name} holds {count} parameters, but the network has {network.ParameterCount}.");
            }

            int features = reader.Int32();
            if (features < 0 || features > network.InputSize)
            {
                throw new InvalidDataException($"{name} claims {features} standardised features, but the network has {network.InputSize} inputs.");
            }

            return (count, features);
        }

        /// <summary>The file must be exactly as long as its header says, and its CRC-32 must match its contents.</summary>
        private static void CheckLengthAndChecksum(ReadOnlySpan<byte> bytes, int headerEnd, int count, int features, int size, string name)
        {
            long expectedLength = headerEnd + (16L * features) + ((long)count * size) + 4;
            if (bytes.Length != expectedLength)
            {
                throw new InvalidDataException($"{name} has {bytes.Length} bytes, but a complete file for this network has {expectedLength}: it is {(bytes.Length < expectedLength ? "truncated" : "longer than it should be")}.");
            }

            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
            uint actual = Crc32.Compute(bytes[..^4]);
            if (stored != actual)
            {
                throw new InvalidDataException($"{name} is corrupt: its checksum is {stored:X8}, but its contents give {actual:X8}.");
            }
        }

        /// <summary>The saved standardiser: a finite mean and a positive, finite deviation per feature.</summary>
        private static Standardizer ReadStandardizer(ref SpanReader reader, int features, string name)
        {
            var mean = new double[features];
            var deviation = new double[features];
            for (int j = 0; j < features; j++)
            {
                mean[j] = reader.Double();
                deviation[j] = reader.Double();
                if (!double.IsFinite(mean[j]) || !(deviation[j] > 0) || !double.IsFinite(deviation[j]))
                {
                    throw new InvalidDataException($"{name} holds a standardiser with mean {mean[j]} and deviation {deviation[j]} for feature {j + 1}; expected a finite mean and a positive, finite deviation.");
                }
            }

            return new Standardizer(mean, deviation);
        }

        /// <summary>Copies the little-endian values into the network's parameters.</summary>
        private static void WriteParameters<T>(INeuralNetwork<T> network, ReadOnlySpan<byte> values, int count, int size) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.Cast<byte, T>(values).CopyTo(network.Parameters);
                return;
            }

            Span<T> parameters = network.Parameters;
            for (int i = 0; i < count; i++)
            {
                parameters[i] = size == 4
                    ? T.CreateTruncating(BitConverter.UInt32BitsToSingle(BinaryPrimitives.ReadUInt32LittleEndian(values[(i * 4)..])))
                    : T.CreateTruncating(BitConverter.UInt64BitsToDouble(BinaryPrimitives.ReadUInt64LittleEndian(values[(i * 8)..])));
            }
        }

        private static int HeaderLength(int topologyLength) => 4 + 2 + 1 + 1 + 2 + topologyLength + 4 + 4;

        private ref struct SpanWriter(Span<byte> buffer)
        {
            private readonly Span<byte> _buffer = buffer;
            private int _at;

            public void Bytes(ReadOnlySpan<byte> value)
            {
                value.CopyTo(_buffer[_at..]);
                _at += value.Length;
            }

            public void Byte(byte value) => _buffer[_at++] = value;

            public void UInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Take(2), value);

            public void Int32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Take(4), value);

            public void UInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), value);

            public void UInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Take(8), value);

            public void Double(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Take(8), value);

            private Span<byte> Take(int count)
            {
                Span<byte> span = _buffer.Slice(_at, count);
                _at += count;
                return span;
            }
        }

        private ref struct SpanReader(ReadOnlySpan<byte> buffer, string name)
        {
            private readonly ReadOnlySpan<byte> _buffer = buffer;
            private readonly string _name = name;

            public int Position { get; private set; }

            public ReadOnlySpan<byte> Bytes(int count)
            {
                if (Position + count > _buffer.Length)
                {
                    throw new InvalidDataException($"{_name} is truncated: it ends at byte {_buffer.Length}, inside its header or data.");
                }

                ReadOnlySpan<byte> span = _buffer.Slice(Position, count);
                Position += count;
                return span;
            }

            public byte Byte() => Bytes(1)[0];

            public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));

            public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4));

            public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Bytes(8));
        }
    }

    /// <summary>CRC-32 (IEEE 802.3, the zlib polynomial), to detect corruption of saved files.</summary>
    internal static class Crc32
    {
        private static readonly uint[] Table = CreateTable();

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            uint crc = 0xFFFFFFFFu;
            foreach (byte b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return ~crc;
        }

        private static uint[] CreateTable()
        {
            var table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                uint c = i;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }

                table[i] = c;
            }

            return table;
        }
    }
}
