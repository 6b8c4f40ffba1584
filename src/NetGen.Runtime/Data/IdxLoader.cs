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

        /// <summary>Reads an IDX file of unsigned bytes: the data, the item count and the size of one item.</summary>
        public static (byte[] Data, int Count, int ItemSize) Read(string path, int expectedMagic, int dimensions)
        {
            string file = Path.GetFileName(path);
            byte[] bytes = Decompressed(path);
            int headerLength = 4 + (4 * dimensions);
            if (bytes.Length < headerLength)
            {
                throw new DataFormatException(file, 0, 0, $"the file has {bytes.Length} bytes, fewer than its {headerLength}-byte header.");
            }

            int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
            if (magic != expectedMagic)
            {
                throw new DataFormatException(file, 0, 0, $"the magic number is {magic}; expected {expectedMagic}.");
            }

            long count = (uint)BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
            long itemSize = 1;
            for (int d = 1; d < dimensions; d++)
            {
                itemSize *= (uint)BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
            }

            long claimed = count * itemSize;
            if (claimed != bytes.Length - headerLength)
            {
                throw new DataFormatException(file, 0, 0, $"the header claims {count} items of {itemSize} bytes ({claimed} bytes), but {bytes.Length - headerLength} bytes follow it.");
            }

            return (bytes.AsSpan(headerLength).ToArray(), (int)count, (int)itemSize);
        }

        private static byte[] Decompressed(string path)
        {
            using FileStream stream = File.OpenRead(path);
            bool gzip = stream.ReadByte() == 0x1f && stream.ReadByte() == 0x8b;
            stream.Position = 0;
            using var memory = new MemoryStream();
            if (gzip)
            {
                using var unzip = new GZipStream(stream, CompressionMode.Decompress);
                unzip.CopyTo(memory);
            }
            else
            {
                stream.CopyTo(memory);
            }

            return memory.ToArray();
        }
    }
}
