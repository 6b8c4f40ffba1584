using System;
using System.Text;

namespace NetGen.Onnx
{
    /// <summary>The protobuf wire format, read from a byte array without allocating more than a field claims and the file
    /// holds: every length is checked against the bytes that remain before anything is read or allocated. The file is
    /// untrusted input. See https://protobuf.dev/programming-guides/encoding/.</summary>
    internal struct ProtoReader
    {
        public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5;

        private readonly byte[] _bytes;
        private readonly int _end;
        private int _position;

        public ProtoReader(byte[] bytes)
            : this(bytes, 0, bytes.Length)
        {
        }

        private ProtoReader(byte[] bytes, int start, int end)
        {
            _bytes = bytes;
            _position = start;
            _end = end;
        }

        public bool AtEnd => _position >= _end;

        public int Position => _position;

        /// <summary>The next field's number and wire type.</summary>
        public (int Field, int WireType) ReadTag()
        {
            int at = _position;
            ulong tag = ReadVarint();
            int wireType = (int)(tag & 7);
            ulong field = tag >> 3;
            if (field == 0 || field > 536_870_911)
            {
                throw Error(at, $"field number {field} is not valid");
            }

            return ((int)field, wireType);
        }

        public ulong ReadVarint()
        {
            int at = _position;
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _end)
                {
                    throw Error(at, "the file ends inside a number (it is truncated)");
                }

                byte b = _bytes[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw Error(at, "a number is longer than 10 bytes");
        }

        public long ReadInt64() => unchecked((long)ReadVarint());

        public uint ReadFixed32()
        {
            Require(4, "a 4-byte value");
            uint value = (uint)(_bytes[_position] | (_bytes[_position + 1] << 8) | (_bytes[_position + 2] << 16) | (_bytes[_position + 3] << 24));
            _position += 4;
            return value;
        }

        public ulong ReadFixed64()
        {
            Require(8, "an 8-byte value");
            ulong low = ReadFixed32();
            ulong high = ReadFixed32();
            return low | (high << 32);
        }

        public float ReadFloat() => BitConverter.ToSingle(BitConverter.GetBytes(ReadFixed32()), 0);

        public double ReadDouble() => BitConverter.Int64BitsToDouble(unchecked((long)ReadFixed64()));

        /// <summary>A length-delimited field as a reader of its own bytes.</summary>
        public ProtoReader ReadMessage()
        {
            int length = ReadLength();
            var inner = new ProtoReader(_bytes, _position, _position + length);
            _position += length;
            return inner;
        }

        /// <summary>A length-delimited field's bytes (the length is checked against what remains first).</summary>
        public ArraySegment<byte> ReadBytes()
        {
            int length = ReadLength();
            var bytes = new ArraySegment<byte>(_bytes, _position, length);
            _position += length;
            return bytes;
        }

        public string ReadString()
        {
            ArraySegment<byte> bytes = ReadBytes();
            return Encoding.UTF8.GetString(bytes.Array!, bytes.Offset, bytes.Count);
        }

        /// <summary>Skips a field of the given wire type.</summary>
        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case Varint:
                    ReadVarint();
                    break;
                case Fixed64:
                    Require(8, "an 8-byte value");
                    _position += 8;
                    break;
                case LengthDelimited:
                    ReadBytes();
                    break;
                case Fixed32:
                    Require(4, "a 4-byte value");
                    _position += 4;
                    break;
                default:
                    throw Error(_position, $"wire type {wireType} is not one ONNX uses (groups are not part of it)");
            }
        }

        /// <summary>A repeated int64 field, packed (one length-delimited run) or not (one value per tag).</summary>
        public void ReadInt64s(int wireType, System.Collections.Generic.List<long> into)
        {
            if (wireType == LengthDelimited)
            {
                ProtoReader packed = ReadMessage();
                while (!packed.AtEnd)
                {
                    into.Add(packed.ReadInt64());
                }
            }
            else
            {
                Expect(wireType, Varint);
                into.Add(ReadInt64());
            }
        }

        /// <summary>A repeated float field, packed or not.</summary>
        public void ReadFloats(int wireType, System.Collections.Generic.List<float> into)
        {
            if (wireType == LengthDelimited)
            {
                ProtoReader packed = ReadMessage();
                if ((packed._end - packed._position) % 4 != 0)
                {
                    throw Error(packed._position, "a packed float list's length is not a multiple of 4");
                }

                while (!packed.AtEnd)
                {
                    into.Add(packed.ReadFloat());
                }
            }
            else
            {
                Expect(wireType, Fixed32);
                into.Add(ReadFloat());
            }
        }

        /// <summary>A repeated double field, packed or not.</summary>
        public void ReadDoubles(int wireType, System.Collections.Generic.List<double> into)
        {
            if (wireType == LengthDelimited)
            {
                ProtoReader packed = ReadMessage();
                if ((packed._end - packed._position) % 8 != 0)
                {
                    throw Error(packed._position, "a packed double list's length is not a multiple of 8");
                }

                while (!packed.AtEnd)
                {
                    into.Add(packed.ReadDouble());
                }
            }
            else
            {
                Expect(wireType, Fixed64);
                into.Add(ReadDouble());
            }
        }

        /// <summary>Throws unless a field has the wire type its schema gives it.</summary>
        public void Expect(int wireType, int expected)
        {
            if (wireType != expected)
            {
                throw Error(_position, $"a field has wire type {wireType} where the ONNX schema has {expected}");
            }
        }

        private int ReadLength()
        {
            int at = _position;
            ulong length = ReadVarint();
            if (length > (ulong)(_end - _position))
            {
                throw Error(at, $"a field claims {length} bytes but only {_end - _position} remain (the file is truncated or corrupt)");
            }

            return (int)length;
        }

        private void Require(int count, string what)
        {
            if (_end - _position < count)
            {
                throw Error(_position, $"the file ends inside {what} (it is truncated)");
            }
        }

        private static OnnxFormatException Error(int offset, string message) => new($"at byte {offset}: {message}");
    }
}
