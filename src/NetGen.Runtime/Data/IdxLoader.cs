using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Numerics;

namespace NetGen.Data
{
    /// <summary>Loads IDX files (MNIST's format), plain or gzip-compressed. Header claims are checked against the bytes
    /// actually present before anything is allocated from them, so a corrupt header cannot ask for gigabytes.</summary>
    public static class IdxLoader
    {
        private const int ImagesMagic = 2051;
        private const int LabelsMagic = 2049;

        /// <summary>MNIST-style images and labels as a dataset: pixels scaled to [0, 1], labels one-hot over 10 classes.
        /// <paramref name="limit"/> keeps the first rows only.</summary>
        public static Dataset<T> LoadMnist<T>(string imagesPath, string labelsPath, int limit = int.MaxValue) where T : unmanaged, IFloatingPointIeee754<T>
        {
            (byte[] pixels, int count, int size) = Read(imagesPath, ImagesMagic, 3);
            (byte[] labels, int labelCount, _) = Read(labelsPath, LabelsMagic, 1);
            if (labelCount != count)
            {
                throw new DataFormatException(Path.GetFileName(labelsPath), 0, 0, $"it holds {labelCount} labels, but {Path.GetFileName(imagesPath)} holds {count} images.");
            }

            count = Math.Min(count, limit);
            if ((long)count * Math.Max(size, 10) > Array.MaxLength)
            {
                throw new DataFormatException(Path.GetFileName(imagesPath), 0, 0, $"{count} images of {size} values are more than an array can hold.");
            }

            var inputs = new T[count * size];
            var targets = new T[count * 10];
            T scale = T.One / T.CreateChecked(255);
            for (int i = 0; i < count; i++)
            {
                for (int j = 0; j < size; j++)
                {
                    inputs[(i * size) + j] = T.CreateChecked(pixels[(i * size) + j]) * scale;
                }

                int label = labels[i];
                if (label > 9)
                {
                    throw new DataFormatException(Path.GetFileName(labelsPath), 0, 0, $"label {i} is {label}; expected 0 to 9.");
                }

                targets[(i * 10) + label] = T.One;
            }

            return new Dataset<T>(inputs, size, targets, 10);
        }

        /// <summary>Reads an IDX file of unsigned bytes: the data, the item count and the size of one item. The header's
        /// claims are checked (every dimension at least 1, the total within an array's reach) and the body is read only
        /// up to what the header claims, so neither a lying header nor a gzip bomb can make it allocate more than the
        /// data really holds.</summary>
        public static (byte[] Data, int Count, int ItemSize) Read(string path, int expectedMagic, int dimensions)
        {
            string file = Path.GetFileName(path);
            using FileStream raw = File.OpenRead(path);
            bool gzip = raw.ReadByte() == 0x1f && raw.ReadByte() == 0x8b;
            raw.Position = 0;
            using Stream stream = gzip ? new GZipStream(raw, CompressionMode.Decompress) : raw;

            Span<byte> header = stackalloc byte[4 + (4 * dimensions)];
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
            {
                throw new DataFormatException(file, 0, 0, $"the file ends inside its {header.Length}-byte header.");
            }

            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            if (magic != expectedMagic)
            {
                throw new DataFormatException(file, 0, 0, $"the magic number is {magic}; expected {expectedMagic}.");
            }

            long count = (uint)BinaryPrimitives.ReadInt32BigEndian(header[4..]);
            long itemSize = 1;
            for (int d = 1; d < dimensions; d++)
            {
                long size = (uint)BinaryPrimitives.ReadInt32BigEndian(header[(4 + (4 * d))..]);
                if (size < 1 || size > Array.MaxLength)
                {
                    throw new DataFormatException(file, 0, 0, $"dimension {d + 1} of the header is {size}; expected at least 1.");
                }

                itemSize *= size;
                if (itemSize > Array.MaxLength)
                {
                    throw new DataFormatException(file, 0, 0, "the header claims items larger than an array can hold.");
                }
            }

            if (count * itemSize > Array.MaxLength)
            {
                throw new DataFormatException(file, 0, 0, $"the header claims {count} items of {itemSize} bytes, more than an array can hold.");
            }

            // Read at most one byte more than claimed: enough to tell short, exact and long apart.
            int claimed = (int)(count * itemSize);
            using var body = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while (body.Length <= claimed && (read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, claimed + 1 - body.Length))) > 0)
            {
                body.Write(buffer, 0, read);
            }

            if (body.Length != claimed)
            {
                throw new DataFormatException(file, 0, 0, $"the header claims {count} items of {itemSize} bytes ({claimed} bytes), but {(body.Length > claimed ? "more" : body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes follow it.");
            }

            return (body.ToArray(), (int)count, (int)itemSize);
        }
    }
}
