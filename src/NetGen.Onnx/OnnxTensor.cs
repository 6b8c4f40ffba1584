using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.Onnx
{
    /// <summary>A constant tensor (an initializer, or a Constant node's value): its name, shape and values. Floating-point
    /// tensors keep their values as double (float32 values convert exactly); integer tensors (shapes, axes) as int64.</summary>
    public sealed class OnnxTensor
    {
        /// <summary>ONNX's TensorProto.DataType codes that NetGen reads.</summary>
        public const int Float = 1, Uint8 = 2, Int8 = 3, Int32 = 6, Int64 = 7, Bool = 9, Float16 = 10, Double = 11;

        /// <summary>The most elements a tensor may have: 2^28 (a gigabyte of float32), far above any network NetGen
        /// compiles into straight-line code, and low enough that a corrupt count cannot exhaust memory.</summary>
        public const long MaxElements = 1L << 28;

        internal OnnxTensor(string name, long[] dims, int dataType, double[]? reals, long[]? integers)
        {
            Name = name;
            Dims = dims;
            DataType = dataType;
            Reals = reals;
            Integers = integers;
        }

        /// <summary>The tensor's name.</summary>
        public string Name { get; }

        /// <summary>The shape; empty for a scalar.</summary>
        public IReadOnlyList<long> Dims { get; }

        /// <summary>The element type (TensorProto.DataType).</summary>
        public int DataType { get; }

        /// <summary>The values of a float, float16 or double tensor, row-major; null otherwise.</summary>
        public double[]? Reals { get; }

        /// <summary>The values of an integer or bool tensor, row-major; null otherwise.</summary>
        public long[]? Integers { get; }

        /// <summary>The number of elements: the product of the dimensions.</summary>
        public long Count => Dims.Aggregate(1L, (product, d) => product * d);

        /// <summary>The dimensions as written, such as <c>[128, 784]</c>.</summary>
        public string ShapeText => "[" + string.Join(", ", Dims) + "]";

        /// <summary>A serialised TensorProto on its own (ONNX's test data files, <c>input_0.pb</c>).</summary>
        internal static OnnxTensor Parse(byte[] bytes) => Read(new ProtoReader(bytes));

        internal static OnnxTensor Read(ProtoReader reader)
        {
            var dims = new List<long>();
            int dataType = 0;
            string name = string.Empty;
            ArraySegment<byte>? raw = null;
            var floats = new List<float>();
            var doubles = new List<double>();
            var integers = new List<long>();
            bool external = false, segmented = false;
            while (!reader.AtEnd)
            {
                (int field, int wireType) = reader.ReadTag();
                switch (field)
                {
                    case 1:
                        reader.ReadInt64s(wireType, dims);
                        break;
                    case 2:
                        reader.Expect(wireType, ProtoReader.Varint);
                        dataType = (int)Math.Min(int.MaxValue, reader.ReadVarint());
                        break;
                    case 3:
                        segmented = true;
                        reader.Skip(wireType);
                        break;
                    case 4:
                        reader.ReadFloats(wireType, floats);
                        break;
                    case 5:
                    case 7:
                        reader.ReadInt64s(wireType, integers); // int32_data holds int32, int16, int8, uint8, bool and float16 bits
                        break;
                    case 8:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        name = reader.ReadString();
                        break;
                    case 9:
                        reader.Expect(wireType, ProtoReader.LengthDelimited);
                        raw = reader.ReadBytes();
                        break;
                    case 10:
                        reader.ReadDoubles(wireType, doubles);
                        break;
                    case 13:
                        external = true;
                        reader.Skip(wireType);
                        break;
                    case 14:
                        reader.Expect(wireType, ProtoReader.Varint);
                        external |= reader.ReadVarint() == 1;
                        break;
                    default:
                        reader.Skip(wireType);
                        break;
                }
            }

            string label = name.Length > 0 ? $"tensor '{name}'" : "a tensor";
            if (external)
            {
                throw new OnnxImportException($"{label} keeps its data in an external file, which NetGen does not read; save the model with its weights inside (onnx.save_model(model, path, save_as_external_data=False))");
            }

            if (segmented)
            {
                throw new OnnxImportException($"{label} is stored in segments, which NetGen does not read");
            }

            long count = 1;
            foreach (long d in dims)
            {
                if (d < 0)
                {
                    throw new OnnxFormatException($"{label} has a negative dimension ({d})");
                }

                count = d == 0 ? 0 : count > MaxElements / d ? MaxElements + 1 : count * d;
            }

            if (count > MaxElements)
            {
                throw new OnnxImportException($"{label} claims shape [{string.Join(", ", dims)}], more than {MaxElements} elements; refused without reading it");
            }

            int size = ElementSize(dataType);
            if (size == 0)
            {
                throw new OnnxImportException($"{label} has element type {DataTypeName(dataType)}, which NetGen does not read (float, double, float16 and the integer types are read)");
            }

            double[]? reals = null;
            long[]? ints = null;
            if (raw is ArraySegment<byte> bytes)
            {
                if (bytes.Count != count * size)
                {
                    throw new OnnxFormatException($"{label} of shape [{string.Join(", ", dims)}] and type {DataTypeName(dataType)} needs {count * size} bytes of data but has {bytes.Count}");
                }

                DecodeRaw(bytes, dataType, (int)count, out reals, out ints);
            }
            else
            {
                int given = IsReal(dataType) && dataType != Float16 ? (dataType == Float ? floats.Count : doubles.Count) : integers.Count;
                if (given != count)
                {
                    throw new OnnxFormatException($"{label} of shape [{string.Join(", ", dims)}] has {given} values, not {count}");
                }

                if (dataType == Float)
                {
                    reals = floats.Select(f => (double)f).ToArray();
                }
                else if (dataType == Double)
                {
                    reals = doubles.ToArray();
                }
                else if (dataType == Float16)
                {
                    reals = integers.Select(bits => HalfToDouble((ushort)bits)).ToArray();
                }
                else
                {
                    ints = integers.ToArray();
                }
            }

            return new OnnxTensor(name, dims.ToArray(), dataType, reals, ints);
        }

        /// <summary>The element type's ONNX name, for messages.</summary>
        public static string DataTypeName(int dataType) => dataType switch
        {
            Float => "float",
            Uint8 => "uint8",
            Int8 => "int8",
            4 => "uint16",
            5 => "int16",
            Int32 => "int32",
            Int64 => "int64",
            8 => "string",
            Bool => "bool",
            Float16 => "float16",
            Double => "double",
            12 => "uint32",
            13 => "uint64",
            16 => "bfloat16",
            _ => $"code {dataType}",
        };

        private static bool IsReal(int dataType) => dataType is Float or Double or Float16;

        private static int ElementSize(int dataType) => dataType switch
        {
            Float or Int32 => 4,
            Double or Int64 => 8,
            Float16 or 5 => 2,
            Uint8 or Int8 or Bool => 1,
            _ => 0,
        };

        private static void DecodeRaw(ArraySegment<byte> bytes, int dataType, int count, out double[]? reals, out long[]? ints)
        {
            byte[] b = bytes.Array!;
            int o = bytes.Offset;
            reals = null;
            ints = null;
            if (IsReal(dataType))
            {
                reals = new double[count];
                for (int i = 0; i < count; i++)
                {
                    reals[i] = dataType switch
                    {
                        Float => BitConverter.ToSingle(LittleEndian(b, o + (4 * i), 4), At(o + (4 * i))),
                        Double => BitConverter.ToDouble(LittleEndian(b, o + (8 * i), 8), At(o + (8 * i))),
                        _ => HalfToDouble((ushort)(b[o + (2 * i)] | (b[o + (2 * i) + 1] << 8))),
                    };
                }
            }
            else
            {
                ints = new long[count];
                for (int i = 0; i < count; i++)
                {
                    ints[i] = dataType switch
                    {
                        Int64 => BitConverter.ToInt64(LittleEndian(b, o + (8 * i), 8), At(o + (8 * i))),
                        Int32 => BitConverter.ToInt32(LittleEndian(b, o + (4 * i), 4), At(o + (4 * i))),
                        5 => BitConverter.ToInt16(LittleEndian(b, o + (2 * i), 2), At(o + (2 * i))),
                        Int8 => (sbyte)b[o + i],
                        _ => b[o + i],
                    };
                }
            }
        }

        /// <summary>Where a value starts in what <see cref="LittleEndian"/> returns: in place on a little-endian machine.</summary>
        private static int At(int offset) => BitConverter.IsLittleEndian ? offset : 0;

        /// <summary>The bytes at <paramref name="offset"/> in the machine's order (ONNX stores raw data little-endian): the
        /// array itself on a little-endian machine, else a reversed copy of the value's bytes.</summary>
        private static byte[] LittleEndian(byte[] bytes, int offset, int size)
        {
            if (BitConverter.IsLittleEndian)
            {
                return bytes;
            }

            var copy = new byte[size];
            Array.Copy(bytes, offset, copy, 0, size);
            if (!BitConverter.IsLittleEndian)
            {
                Array.Reverse(copy);
            }

            return copy;
        }

        private static double HalfToDouble(ushort bits)
        {
            int sign = (bits >> 15) & 1, exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
            double value = exponent switch
            {
                0 => mantissa * Math.Pow(2, -24),
                31 => mantissa == 0 ? double.PositiveInfinity : double.NaN,
                _ => (1 + (mantissa / 1024.0)) * Math.Pow(2, exponent - 15),
            };
            return sign == 1 ? -value : value;
        }
    }
}
