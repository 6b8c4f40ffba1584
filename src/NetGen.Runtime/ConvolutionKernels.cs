using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Runtime
{
    /// <summary>The two matrix products a convolution reduces to after im2col, register-blocked: eight rows of the left
    /// matrix (then six, four, two, one for what is left) share each load of the right one, and two vectors of columns
    /// share each broadcast weight, so up to sixteen accumulators stay in registers across the whole depth. The right
    /// matrix's loads are mostly unaligned (a convolution's taps are offsets into its input), so sharing them across
    /// many rows is what keeps the multiply-adds, not the loads, the limit. Vector512 where the hardware has it, then Vector256, then
    /// an overlapping last vector for the columns that do not fill one. Multiply-adds are fused where the hardware fuses
    /// (FMA, AVX-512), on the vector and the scalar paths alike. In <see cref="Multiply{T}"/> every output is a sum in the same order (k ascending) on
    /// every path and width, so its results do not depend on the vector width or the blocking; the dot products of
    /// <see cref="MultiplyTransposed{T}"/> sum per lane first, so they are the same on every machine with the same vector
    /// width.</summary>
    internal static class ConvolutionKernels
    {
        private const int Rows = 4;

        /// <summary><c>C[m, p] = sum_k A[m, k] B[k, p]</c> for m &lt; rows, p &lt; columns, k &lt; depth, with A read at
        /// <c>a[m * rowStride + k * depthStride]</c> (so W or W^T without a copy), B and C row-major with
        /// <paramref name="columns"/> columns. The last columns that do not fill a vector are computed by one more
        /// vector that overlaps the previous one (its overlapping lanes get the same bits again), not by scalars.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)] // its own method, so the JIT inlines all of its helpers
        public static void Multiply<T>(ReadOnlySpan<T> a, int rowStride, int depthStride, ReadOnlySpan<T> b, Span<T> c, int rows, int depth, int columns)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Product(a, rowStride, depthStride, b, new Consecutive(columns), c, rows, depth, columns);

        /// <summary><see cref="Multiply{T}"/> with row k of B starting at <c>b[starts[k]]</c>, wherever that is: a
        /// convolution of stride 1 reads its input in place, each tap's row an offset into the (padded) input planes, with
        /// no im2col copy.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)] // its own method, so the JIT inlines all of its helpers
        public static void MultiplyListed<T>(ReadOnlySpan<T> a, int rowStride, int depthStride, ReadOnlySpan<T> b, int[] starts, Span<T> c, int rows, int depth, int columns)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Product(a, rowStride, depthStride, b, new Listed(starts), c, rows, depth, columns);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Product<T, TRows>(ReadOnlySpan<T> a, int rowStride, int depthStride, ReadOnlySpan<T> b, TRows starts, Span<T> c, int rows, int depth, int columns)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TRows : struct, IRowStarts
        {
            ref T ra = ref MemoryMarshal.GetReference(a);
            ref T rb = ref MemoryMarshal.GetReference(b);
            ref T rc = ref MemoryMarshal.GetReference(c);
            int m = 0;
            for (; m + 8 <= rows; m += 8)
            {
                Block8(ref Unsafe.Add(ref ra, m * rowStride), rowStride, depthStride, ref rb, starts, ref Unsafe.Add(ref rc, m * columns), depth, columns);
            }

            if (rows - m >= 6)
            {
                Block6(ref Unsafe.Add(ref ra, m * rowStride), rowStride, depthStride, ref rb, starts, ref Unsafe.Add(ref rc, m * columns), depth, columns);
                m += 6;
            }

            for (; m + Rows <= rows; m += Rows)
            {
                Block4(ref Unsafe.Add(ref ra, m * rowStride), rowStride, depthStride, ref rb, starts, ref Unsafe.Add(ref rc, m * columns), depth, columns);
            }

            for (; m + 2 <= rows; m += 2)
            {
                Block2(ref Unsafe.Add(ref ra, m * rowStride), rowStride, depthStride, ref rb, starts, ref Unsafe.Add(ref rc, m * columns), depth, columns);
            }

            for (; m < rows; m++)
            {
                Block1(ref Unsafe.Add(ref ra, m * rowStride), depthStride, ref rb, starts, ref Unsafe.Add(ref rc, m * columns), depth, columns);
            }
        }

        /// <summary>Where row k of the right-hand matrix B starts.</summary>
        private interface IRowStarts
        {
            int Start(int k);
        }

        /// <summary>B's rows one after another, <c>columns</c> apart.</summary>
        private readonly struct Consecutive(int columns) : IRowStarts
        {
            public int Start(int k) => k * columns;
        }

        /// <summary>B's rows where a table says (the table is trusted: the callers build it from the layer's shape).</summary>
        private readonly struct Listed(int[] starts) : IRowStarts
        {
            public int Start(int k) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(starts), k);
        }

        /// <summary>Eight rows by two vectors of columns: sixteen accumulators share each pair of input loads, so the loads
        /// (most of them unaligned, as a convolution's taps are) are fewer than the multiply-adds.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // too large to inline: compiled optimised at once (cold start)
        private static void Block8<T, TRows>(ref T a, int rowStride, int depthStride, ref T b, TRows starts, ref T c, int depth, int columns)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TRows : struct, IRowStarts
        {
            if (!Vector512.IsHardwareAccelerated || columns < Vector512<T>.Count)
            {
                Block4(ref a, rowStride, depthStride, ref b, starts, ref c, depth, columns);
                Block4(ref Unsafe.Add(ref a, 4 * rowStride), rowStride, depthStride, ref b, starts, ref Unsafe.Add(ref c, 4 * columns), depth, columns);
                return;
            }

            int lanes = Vector512<T>.Count, p = 0;
            ref T a4 = ref Unsafe.Add(ref a, 4 * rowStride);
            for (; p + (2 * lanes) <= columns; p += 2 * lanes)
            {
                Vector512<T> c00 = Vector512<T>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
                Vector512<T> c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
                for (int k = 0; k < depth; k++)
                {
                    int row = starts.Start(k), at = k * depthStride;
                    Vector512<T> b0 = Load512(ref b, row + p), b1 = Load512(ref b, row + p + lanes);
                    Vector512<T> w = Vector512.Create(Unsafe.Add(ref a, at));
                    c00 = Fma(w, b0, c00); c01 = Fma(w, b1, c01);
                    w = Vector512.Create(Unsafe.Add(ref a, rowStride + at));
                    c10 = Fma(w, b0, c10); c11 = Fma(w, b1, c11);
                    w = Vector512.Create(Unsafe.Add(ref a, (2 * rowStride) + at));
                    c20 = Fma(w, b0, c20); c21 = Fma(w, b1, c21);
                    w = Vector512.Create(Unsafe.Add(ref a, (3 * rowStride) + at));
                    c30 = Fma(w, b0, c30); c31 = Fma(w, b1, c31);
                    w = Vector512.Create(Unsafe.Add(ref a4, at));
                    c40 = Fma(w, b0, c40); c41 = Fma(w, b1, c41);
                    w = Vector512.Create(Unsafe.Add(ref a4, rowStride + at));
                    c50 = Fma(w, b0, c50); c51 = Fma(w, b1, c51);
                    w = Vector512.Create(Unsafe.Add(ref a4, (2 * rowStride) + at));
                    c60 = Fma(w, b0, c60); c61 = Fma(w, b1, c61);
                    w = Vector512.Create(Unsafe.Add(ref a4, (3 * rowStride) + at));
                    c70 = Fma(w, b0, c70); c71 = Fma(w, b1, c71);
                }

                Store512(c00, ref c, p); Store512(c01, ref c, p + lanes);
                Store512(c10, ref c, columns + p); Store512(c11, ref c, columns + p + lanes);
                Store512(c20, ref c, (2 * columns) + p); Store512(c21, ref c, (2 * columns) + p + lanes);
                Store512(c30, ref c, (3 * columns) + p); Store512(c31, ref c, (3 * columns) + p + lanes);
                Store512(c40, ref c, (4 * columns) + p); Store512(c41, ref c, (4 * columns) + p + lanes);
                Store512(c50, ref c, (5 * columns) + p); Store512(c51, ref c, (5 * columns) + p + lanes);
                Store512(c60, ref c, (6 * columns) + p); Store512(c61, ref c, (6 * columns) + p + lanes);
                Store512(c70, ref c, (7 * columns) + p); Store512(c71, ref c, (7 * columns) + p + lanes);
            }

            while (p < columns)
            {
                p = Math.Min(p, columns - lanes); // the last vector overlaps the one before rather than leaving scalars
                Vector512<T> c0 = Vector512<T>.Zero, c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
                for (int k = 0; k < depth; k++)
                {
                    Vector512<T> b0 = Load512(ref b, starts.Start(k) + p);
                    int at = k * depthStride;
                    c0 = Fma(Vector512.Create(Unsafe.Add(ref a, at)), b0, c0);
                    c1 = Fma(Vector512.Create(Unsafe.Add(ref a, rowStride + at)), b0, c1);
                    c2 = Fma(Vector512.Create(Unsafe.Add(ref a, (2 * rowStride) + at)), b0, c2);
                    c3 = Fma(Vector512.Create(Unsafe.Add(ref a, (3 * rowStride) + at)), b0, c3);
                    c4 = Fma(Vector512.Create(Unsafe.Add(ref a4, at)), b0, c4);
                    c5 = Fma(Vector512.Create(Unsafe.Add(ref a4, rowStride + at)), b0, c5);
                    c6 = Fma(Vector512.Create(Unsafe.Add(ref a4, (2 * rowStride) + at)), b0, c6);
                    c7 = Fma(Vector512.Create(Unsafe.Add(ref a4, (3 * rowStride) + at)), b0, c7);
                }

                Store512(c0, ref c, p); Store512(c1, ref c, columns + p); Store512(c2, ref c, (2 * columns) + p); Store512(c3, ref c, (3 * columns) + p);
                Store512(c4, ref c, (4 * columns) + p); Store512(c5, ref c, (5 * columns) + p); Store512(c6, ref c, (6 * columns) + p); Store512(c7, ref c, (7 * columns) + p);
                p += lanes;
            }
        }

        /// <summary>Six rows by two vectors of columns (twelve accumulators): the rows a block of eight leaves when six
        /// or seven remain, as a 6-filter layer has (LeNet-5's first).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // too large to inline: compiled optimised at once (cold start)
        private static void Block6<T, TRows>(ref T a, int rowStride, int depthStride, ref T b, TRows starts, ref T c, int depth, int columns)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TRows : struct, IRowStarts
        {
            if (!Vector512.IsHardwareAccelerated || columns < 2 * Vector512<T>.Count)
            {
                Block4(ref a, rowStride, depthStride, ref b, starts, ref c, depth, columns);
                Block2(ref Unsafe.Add(ref a, 4 * rowStride), rowStride, depthStride, ref b, starts, ref Unsafe.Add(ref c, 4 * columns), depth, columns);
                return;
            }

            int lanes = Vector512<T>.Count, p = 0;
            ref T a4 = ref Unsafe.Add(ref a, 4 * rowStride);
            while (p < columns)
            {
                p = Math.Min(p, columns - (2 * lanes)); // the last pair of vectors overlaps the one before
                Vector512<T> c00 = Vector512<T>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
                Vector512<T> c40 = c00, c41 = c00, c50 = c00, c51 = c00;
                for (int k = 0; k < depth; k++)
                {
                    int row = starts.Start(k), at = k * depthStride;
                    Vector512<T> b0 = Load512(ref b, row + p), b1 = Load512(ref b, row + p + lanes);
                    Vector512<T> w = Vector512.Create(Unsafe.Add(ref a, at));
                    c00 = Fma(w, b0, c00); c01 = Fma(w, b1, c01);
                    w = Vector512.Create(Unsafe.Add(ref a, rowStride + at));
                    c10 = Fma(w, b0, c10); c11 = Fma(w, b1, c11);
                    w = Vector512.Create(Unsafe.Add(ref a, (2 * rowStride) + at));
                    c20 = Fma(w, b0, c20); c21 = Fma(w, b1, c21);
                    w = Vector512.Create(Unsafe.Add(ref a, (3 * rowStride) + at));
                    c30 = Fma(w, b0, c30); c31 = Fma(w, b1, c31);
                    w = Vector512.Create(Unsafe.Add(ref a4, at));
                    c40 = Fma(w, b0, c40); c41 = Fma(w, b1, c41);
                    w = Vector512.Create(Unsafe.Add(ref a4, rowStride + at));
                    c50 = Fma(w, b0, c50); c51 = Fma(w, b1, c51);
                }

                Store512(c00, ref c, p); Store512(c01, ref c, p + lanes);
                Store512(c10, ref c, columns + p); Store512(c11, ref c, columns + p + lanes);
                Store512(c20, ref c, (2 * columns) + p); Store512(c21, ref c, (2 * columns) + p + lanes);
                Store512(c30, ref c, (3 * columns) + p); Store512(c31, ref c, (3 * columns) + p + lanes);
                Store512(c40, ref c, (4 * columns) + p); Store512(c41, ref c, (4 * columns) + p + lanes);
                Store512(c50, ref c, (5 * columns) + p); Store512(c51, ref c, (5 * columns) + p + lanes);
                p += 2 * lanes;
            }
        }

        /// <summary>Two rows by two vectors of columns: four independent accumulators, so the multiply-adds of the rows
        /// left over from the blocks of four do not wait on each other's latency.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // too large to inline: compiled optimised at once (cold start)
        private static void Block2<T, TRows>(ref T a, int rowStride, int depthStride, ref T b, TRows starts, ref T c, int depth, int columns)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TRows : struct, IRowStarts
        {
            if (!Vector512.IsHardwareAccelerated || columns < 2 * Vector512<T>.Count)
            {
                Block1(ref a, depthStride, ref b, starts, ref c, depth, columns);
                Block1(ref Unsafe.Add(ref a, rowStride), depthStride, ref b, starts, ref Unsafe.Add(ref c, columns), depth, columns);
                return;
            }

            int lanes = Vector512<T>.Count, p = 0;
            for (; p + (4 * lanes) <= columns; p += 4 * lanes)
            {
                // Four vectors a row: eight chains, enough to cover the multiply-add's latency.
                Vector512<T> c00 = Vector512<T>.Zero, c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
                for (int k = 0; k < depth; k++)
                {
                    int row = starts.Start(k) + p, at = k * depthStride;
                    Vector512<T> b0 = Load512(ref b, row), b1 = Load512(ref b, row + lanes), b2 = Load512(ref b, row + (2 * lanes)), b3 = Load512(ref b, row + (3 * lanes));
                    Vector512<T> w0 = Vector512.Create(Unsafe.Add(ref a, at)), w1 = Vector512.Create(Unsafe.Add(ref a, rowStride + at));
                    c00 = Fma(w0, b0, c00); c01 = Fma(w0, b1, c01); c02 = Fma(w0, b2, c02); c03 = Fma(w0, b3, c03);
                    c10 = Fma(w1, b0, c10); c11 = Fma(w1, b1, c11); c12 = Fma(w1, b2, c12); c13 = Fma(w1, b3, c13);
                }

                Store512(c00, ref c, p); Store512(c01, ref c, p + lanes); Store512(c02, ref c, p + (2 * lanes)); Store512(c03, ref c, p + (3 * lanes));
                Store512(c10, ref c, columns + p); Store512(c11, ref c, columns + p + lanes); Store512(c12, ref c, columns + p + (2 * lanes)); Store512(c13, ref c, columns + p + (3 * lanes));
            }

            while (p < columns)
            {
                p = Math.Min(p, columns - (2 * lanes)); // the last pair of vectors overlaps the one before
                Vector512<T> c00 = Vector512<T>.Zero, c01 = c00, c10 = c00, c11 = c00;
                for (int k = 0; k < depth; k++)
                {
                    int row = starts.Start(k);
                    Vector512<T> b0 = Load512(ref b, row + p), b1 = Load512(ref b, row + p + lanes);
                    int at = k * depthStride;
                    Vector512<T> w0 = Vector512.Create(Unsafe.Add(ref a, at)), w1 = Vector512.Create(Unsafe.Add(ref a, rowStride + at));
                    c00 = Fma(w0, b0, c00); c01 = Fma(w0, b1, c01);
                    c10 = Fma(w1, b0, c10); c11 = Fma(w1, b1, c11);
                }

                Store512(c00, ref c, p); Store512(c01, ref c, p + lanes);
                Store512(c10, ref c, columns + p); Store512(c11, ref c, columns + p + lanes);
                p += 2 * lanes;
            }
        }

        /// <summary><c>C[m, n] += sum_p A[m, p] B[n, p]</c> (A times B transposed; both row-major with
        /// <paramref name="length"/> columns; C row-major with <paramref name="columns"/> = n columns): the weight gradient
        /// <c>dW += dA X^T</c>. Each output is a dot product, summed per vector lane in p order, then across lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)] // its own method, so the JIT inlines all of its helpers
        public static void MultiplyTransposed<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int rows, int columns, int length)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TransposedProduct(a, b, new Consecutive(length), c, rows, columns, length);

        /// <summary><see cref="MultiplyTransposed{T}"/> with row n of B starting at <c>b[starts[n]]</c>: the weight gradient
        /// of a stride-1 convolution against its input read in place.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)] // its own method, so the JIT inlines all of its helpers
        public static void MultiplyTransposedListed<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, int[] starts, Span<T> c, int rows, int columns, int length)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            TransposedProduct(a, b, new Listed(starts), c, rows, columns, length);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void TransposedProduct<T, TRows>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, TRows starts, Span<T> c, int rows, int columns, int length)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TRows : struct, IRowStarts
        {
            ref T ra = ref MemoryMarshal.GetReference(a);
            ref T rb = ref MemoryMarshal.GetReference(b);
            ref T rc = ref MemoryMarshal.GetReference(c);
            Span<T> d = stackalloc T[8];
            int m = 0;
            for (; m + 2 <= rows; m += 2)
            {
                int n = 0;
                for (; n + 4 <= columns; n += 4)
                {
                    // Eight dot products sharing the loads of two rows of A and four of B.
                    Dot2x4(ref Unsafe.Add(ref ra, m * length), ref Unsafe.Add(ref ra, (m + 1) * length), ref Unsafe.Add(ref rb, starts.Start(n)), ref Unsafe.Add(ref rb, starts.Start(n + 1)), ref Unsafe.Add(ref rb, starts.Start(n + 2)), ref Unsafe.Add(ref rb, starts.Start(n + 3)), length, d);
                    for (int j = 0; j < 4; j++)
                    {
                        Unsafe.Add(ref rc, (m * columns) + n + j) += d[j];
                        Unsafe.Add(ref rc, ((m + 1) * columns) + n + j) += d[4 + j];
                    }
                }

                for (; n + 2 <= columns; n += 2)
                {
                    // Four dot products sharing the loads of two rows of A and two of B.
                    Dot2x2(ref Unsafe.Add(ref ra, m * length), ref Unsafe.Add(ref ra, (m + 1) * length), ref Unsafe.Add(ref rb, starts.Start(n)), ref Unsafe.Add(ref rb, starts.Start(n + 1)), length, out T d00, out T d01, out T d10, out T d11);
                    Unsafe.Add(ref rc, (m * columns) + n) += d00;
                    Unsafe.Add(ref rc, (m * columns) + n + 1) += d01;
                    Unsafe.Add(ref rc, ((m + 1) * columns) + n) += d10;
                    Unsafe.Add(ref rc, ((m + 1) * columns) + n + 1) += d11;
                }

                for (; n < columns; n++)
                {
                    Unsafe.Add(ref rc, (m * columns) + n) += Dot1(ref Unsafe.Add(ref ra, m * length), ref Unsafe.Add(ref rb, starts.Start(n)), length);
                    Unsafe.Add(ref rc, ((m + 1) * columns) + n) += Dot1(ref Unsafe.Add(ref ra, (m + 1) * length), ref Unsafe.Add(ref rb, starts.Start(n)), length);
                }
            }

            for (; m < rows; m++)
            {
                for (int n = 0; n < columns; n++)
                {
                    Unsafe.Add(ref rc, (m * columns) + n) += Dot1(ref Unsafe.Add(ref ra, m * length), ref Unsafe.Add(ref rb, starts.Start(n)), length);
                }
            }
        }

        /// <summary>The weight gradient of a stride-1 convolution with many output channels, transposed and without
        /// horizontal sums: <c>G[k, m] = sum_p X[k, p] dA^T[p, m]</c>, where tap k's input at output position
        /// <c>p = y * ow + x</c> is <c>x[starts[k] + y * wp + x]</c> (read in place) and <paramref name="daT"/> holds
        /// <c>dA^T</c> with <paramref name="width"/> columns (the output channels, zero-filled up to a whole number of
        /// vectors). Eight (or four) taps share each vector of <c>dA^T</c>; each output is one multiply-add chain over the
        /// positions in order, continued from what <paramref name="g"/> holds (zero for one sample; the sum so far across
        /// a batch), so its bits do not depend on the vector width.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)] // its own method, so the JIT inlines all of its helpers
        public static void WeightGradient<T>(ReadOnlySpan<T> x, int[] starts, ReadOnlySpan<T> daT, int width, Span<T> g, int taps, int outHeight, int outWidth, int rowWidth)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T rx = ref MemoryMarshal.GetReference(x);
            ref T rd = ref MemoryMarshal.GetReference(daT);
            ref T rg = ref MemoryMarshal.GetReference(g);
            int lanes = Vector512.IsHardwareAccelerated && width % Vector512<T>.Count == 0 ? Vector512<T>.Count
                : Vector256.IsHardwareAccelerated && width % Vector256<T>.Count == 0 ? Vector256<T>.Count : 1;
            for (int column = 0; column < width; column += lanes)
            {
                int k = 0;
                if (lanes == Vector512<T>.Count)
                {
                    // Eight taps at a time: eight independent chains, enough to hide the multiply-add's latency.
                    for (; k + 8 <= taps; k += 8)
                    {
                        int s0 = starts[k], s1 = starts[k + 1], s2 = starts[k + 2], s3 = starts[k + 3];
                        int s4 = starts[k + 4], s5 = starts[k + 5], s6 = starts[k + 6], s7 = starts[k + 7];
                        Vector512<T> g0 = Load512(ref rg, (k * width) + column), g1 = Load512(ref rg, ((k + 1) * width) + column);
                        Vector512<T> g2 = Load512(ref rg, ((k + 2) * width) + column), g3 = Load512(ref rg, ((k + 3) * width) + column);
                        Vector512<T> g4 = Load512(ref rg, ((k + 4) * width) + column), g5 = Load512(ref rg, ((k + 5) * width) + column);
                        Vector512<T> g6 = Load512(ref rg, ((k + 6) * width) + column), g7 = Load512(ref rg, ((k + 7) * width) + column);
                        for (int y = 0, p = 0; y < outHeight; y++)
                        {
                            for (int at = y * rowWidth, end = at + outWidth; at < end; at++, p++)
                            {
                                Vector512<T> d = Load512(ref rd, (p * width) + column);
                                ref T xa = ref Unsafe.Add(ref rx, at);
                                g0 = Fma(Vector512.Create(Unsafe.Add(ref xa, s0)), d, g0);
                                g1 = Fma(Vector512.Create(Unsafe.Add(ref xa, s1)), d, g1);
                                g2 = Fma(Vector512.Create(Unsafe.Add(ref xa, s2)), d, g2);
                                g3 = Fma(Vector512.Create(Unsafe.Add(ref xa, s3)), d, g3);
                                g4 = Fma(Vector512.Create(Unsafe.Add(ref xa, s4)), d, g4);
                                g5 = Fma(Vector512.Create(Unsafe.Add(ref xa, s5)), d, g5);
                                g6 = Fma(Vector512.Create(Unsafe.Add(ref xa, s6)), d, g6);
                                g7 = Fma(Vector512.Create(Unsafe.Add(ref xa, s7)), d, g7);
                            }
                        }

                        Store512(g0, ref rg, (k * width) + column); Store512(g1, ref rg, ((k + 1) * width) + column);
                        Store512(g2, ref rg, ((k + 2) * width) + column); Store512(g3, ref rg, ((k + 3) * width) + column);
                        Store512(g4, ref rg, ((k + 4) * width) + column); Store512(g5, ref rg, ((k + 5) * width) + column);
                        Store512(g6, ref rg, ((k + 6) * width) + column); Store512(g7, ref rg, ((k + 7) * width) + column);
                    }
                }
                else if (lanes == Vector256<T>.Count)
                {
                    for (; k + 8 <= taps; k += 8)
                    {
                        int s0 = starts[k], s1 = starts[k + 1], s2 = starts[k + 2], s3 = starts[k + 3];
                        int s4 = starts[k + 4], s5 = starts[k + 5], s6 = starts[k + 6], s7 = starts[k + 7];
                        Vector256<T> g0 = Load256(ref rg, (k * width) + column), g1 = Load256(ref rg, ((k + 1) * width) + column);
                        Vector256<T> g2 = Load256(ref rg, ((k + 2) * width) + column), g3 = Load256(ref rg, ((k + 3) * width) + column);
                        Vector256<T> g4 = Load256(ref rg, ((k + 4) * width) + column), g5 = Load256(ref rg, ((k + 5) * width) + column);
                        Vector256<T> g6 = Load256(ref rg, ((k + 6) * width) + column), g7 = Load256(ref rg, ((k + 7) * width) + column);
                        for (int y = 0, p = 0; y < outHeight; y++)
                        {
                            for (int at = y * rowWidth, end = at + outWidth; at < end; at++, p++)
                            {
                                Vector256<T> d = Load256(ref rd, (p * width) + column);
                                ref T xa = ref Unsafe.Add(ref rx, at);
                                g0 = Fma(Vector256.Create(Unsafe.Add(ref xa, s0)), d, g0);
                                g1 = Fma(Vector256.Create(Unsafe.Add(ref xa, s1)), d, g1);
                                g2 = Fma(Vector256.Create(Unsafe.Add(ref xa, s2)), d, g2);
                                g3 = Fma(Vector256.Create(Unsafe.Add(ref xa, s3)), d, g3);
                                g4 = Fma(Vector256.Create(Unsafe.Add(ref xa, s4)), d, g4);
                                g5 = Fma(Vector256.Create(Unsafe.Add(ref xa, s5)), d, g5);
                                g6 = Fma(Vector256.Create(Unsafe.Add(ref xa, s6)), d, g6);
                                g7 = Fma(Vector256.Create(Unsafe.Add(ref xa, s7)), d, g7);
                            }
                        }

                        Store256(g0, ref rg, (k * width) + column); Store256(g1, ref rg, ((k + 1) * width) + column);
                        Store256(g2, ref rg, ((k + 2) * width) + column); Store256(g3, ref rg, ((k + 3) * width) + column);
                        Store256(g4, ref rg, ((k + 4) * width) + column); Store256(g5, ref rg, ((k + 5) * width) + column);
                        Store256(g6, ref rg, ((k + 6) * width) + column); Store256(g7, ref rg, ((k + 7) * width) + column);
                    }
                }

                for (; k + 4 <= taps; k += 4)
                {
                    ref T x0 = ref Unsafe.Add(ref rx, starts[k]), x1 = ref Unsafe.Add(ref rx, starts[k + 1]);
                    ref T x2 = ref Unsafe.Add(ref rx, starts[k + 2]), x3 = ref Unsafe.Add(ref rx, starts[k + 3]);
                    if (lanes == Vector512<T>.Count)
                    {
                        Vector512<T> g0 = Load512(ref rg, (k * width) + column), g1 = Load512(ref rg, ((k + 1) * width) + column);
                        Vector512<T> g2 = Load512(ref rg, ((k + 2) * width) + column), g3 = Load512(ref rg, ((k + 3) * width) + column);
                        for (int y = 0, p = 0; y < outHeight; y++)
                        {
                            for (int at = y * rowWidth, end = at + outWidth; at < end; at++, p++)
                            {
                                Vector512<T> d = Load512(ref rd, (p * width) + column);
                                g0 = Fma(Vector512.Create(Unsafe.Add(ref x0, at)), d, g0);
                                g1 = Fma(Vector512.Create(Unsafe.Add(ref x1, at)), d, g1);
                                g2 = Fma(Vector512.Create(Unsafe.Add(ref x2, at)), d, g2);
                                g3 = Fma(Vector512.Create(Unsafe.Add(ref x3, at)), d, g3);
                            }
                        }

                        Store512(g0, ref rg, (k * width) + column); Store512(g1, ref rg, ((k + 1) * width) + column);
                        Store512(g2, ref rg, ((k + 2) * width) + column); Store512(g3, ref rg, ((k + 3) * width) + column);
                    }
                    else if (lanes == Vector256<T>.Count)
                    {
                        Vector256<T> g0 = Load256(ref rg, (k * width) + column), g1 = Load256(ref rg, ((k + 1) * width) + column);
                        Vector256<T> g2 = Load256(ref rg, ((k + 2) * width) + column), g3 = Load256(ref rg, ((k + 3) * width) + column);
                        for (int y = 0, p = 0; y < outHeight; y++)
                        {
                            for (int at = y * rowWidth, end = at + outWidth; at < end; at++, p++)
                            {
                                Vector256<T> d = Load256(ref rd, (p * width) + column);
                                g0 = Fma(Vector256.Create(Unsafe.Add(ref x0, at)), d, g0);
                                g1 = Fma(Vector256.Create(Unsafe.Add(ref x1, at)), d, g1);
                                g2 = Fma(Vector256.Create(Unsafe.Add(ref x2, at)), d, g2);
                                g3 = Fma(Vector256.Create(Unsafe.Add(ref x3, at)), d, g3);
                            }
                        }

                        Store256(g0, ref rg, (k * width) + column); Store256(g1, ref rg, ((k + 1) * width) + column);
                        Store256(g2, ref rg, ((k + 2) * width) + column); Store256(g3, ref rg, ((k + 3) * width) + column);
                    }
                    else
                    {
                        GradientScalar(ref rx, starts, k, k + 4, ref rd, width, column, ref rg, outHeight, outWidth, rowWidth);
                    }
                }

                for (; k < taps; k++)
                {
                    ref T x0 = ref Unsafe.Add(ref rx, starts[k]);
                    if (lanes == Vector512<T>.Count)
                    {
                        Vector512<T> g0 = Load512(ref rg, (k * width) + column);
                        for (int y = 0, p = 0; y < outHeight; y++)
                        {
                            for (int at = y * rowWidth, end = at + outWidth; at < end; at++, p++)
                            {
                                g0 = Fma(Vector512.Create(Unsafe.Add(ref x0, at)), Load512(ref rd, (p * width) + column), g0);
                            }
                        }

                        Store512(g0, ref rg, (k * width) + column);
                    }
                    else if (lanes == Vector256<T>.Count)
                    {
                        Vector256<T> g0 = Load256(ref rg, (k * width) + column);
                        for (int y = 0, p = 0; y < outHeight; y++)
                        {
                            for (int at = y * rowWidth, end = at + outWidth; at < end; at++, p++)
                            {
                                g0 = Fma(Vector256.Create(Unsafe.Add(ref x0, at)), Load256(ref rd, (p * width) + column), g0);
                            }
                        }

                        Store256(g0, ref rg, (k * width) + column);
                    }
                    else
                    {
                        GradientScalar(ref rx, starts, k, k + 1, ref rd, width, column, ref rg, outHeight, outWidth, rowWidth);
                    }
                }
            }
        }

        /// <summary><see cref="WeightGradient{T}"/> for taps [first, end) and one column, in scalars: the same chain per
        /// output, continued from <paramref name="g"/>.</summary>
        private static void GradientScalar<T>(ref T x, int[] starts, int first, int end, ref T daT, int width, int column, ref T g, int outHeight, int outWidth, int rowWidth)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int k = first; k < end; k++)
            {
                ref T xk = ref Unsafe.Add(ref x, starts[k]);
                T sum = Unsafe.Add(ref g, (k * width) + column);
                for (int y = 0, p = 0; y < outHeight; y++)
                {
                    for (int at = y * rowWidth, stop = at + outWidth; at < stop; at++, p++)
                    {
                        sum = Fma(Unsafe.Add(ref xk, at), Unsafe.Add(ref daT, (p * width) + column), sum);
                    }
                }

                Unsafe.Add(ref g, (k * width) + column) = sum;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // too large to inline: compiled optimised at once (cold start)
        private static void Block4<T, TRows>(ref T a, int rowStride, int depthStride, ref T b, TRows starts, ref T c, int depth, int columns)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TRows : struct, IRowStarts
        {
            int p = 0;
            if (Vector512.IsHardwareAccelerated && columns >= Vector512<T>.Count)
            {
                int lanes = Vector512<T>.Count;
                for (; p + (2 * lanes) <= columns; p += 2 * lanes)
                {
                    Vector512<T> c00 = Vector512<T>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
                    for (int k = 0; k < depth; k++)
                    {
                        int row = starts.Start(k);
                        Vector512<T> b0 = Load512(ref b, row + p), b1 = Load512(ref b, row + p + lanes);
                        int at = k * depthStride;
                        Vector512<T> w0 = Vector512.Create(Unsafe.Add(ref a, at)), w1 = Vector512.Create(Unsafe.Add(ref a, rowStride + at));
                        Vector512<T> w2 = Vector512.Create(Unsafe.Add(ref a, (2 * rowStride) + at)), w3 = Vector512.Create(Unsafe.Add(ref a, (3 * rowStride) + at));
                        c00 = Fma(w0, b0, c00); c01 = Fma(w0, b1, c01);
                        c10 = Fma(w1, b0, c10); c11 = Fma(w1, b1, c11);
                        c20 = Fma(w2, b0, c20); c21 = Fma(w2, b1, c21);
                        c30 = Fma(w3, b0, c30); c31 = Fma(w3, b1, c31);
                    }

                    Store512(c00, ref c, p); Store512(c01, ref c, p + lanes);
                    Store512(c10, ref c, columns + p); Store512(c11, ref c, columns + p + lanes);
                    Store512(c20, ref c, (2 * columns) + p); Store512(c21, ref c, (2 * columns) + p + lanes);
                    Store512(c30, ref c, (3 * columns) + p); Store512(c31, ref c, (3 * columns) + p + lanes);
                }

                while (p < columns)
                {
                    p = Math.Min(p, columns - lanes); // the last vector overlaps the one before rather than leaving scalars
                    Vector512<T> c0 = Vector512<T>.Zero, c1 = c0, c2 = c0, c3 = c0;
                    for (int k = 0; k < depth; k++)
                    {
                        Vector512<T> b0 = Load512(ref b, starts.Start(k) + p);
                        int at = k * depthStride;
                        c0 = Fma(Vector512.Create(Unsafe.Add(ref a, at)), b0, c0);
                        c1 = Fma(Vector512.Create(Unsafe.Add(ref a, rowStride + at)), b0, c1);
                        c2 = Fma(Vector512.Create(Unsafe.Add(ref a, (2 * rowStride) + at)), b0, c2);
                        c3 = Fma(Vector512.Create(Unsafe.Add(ref a, (3 * rowStride) + at)), b0, c3);
                    }

                    Store512(c0, ref c, p); Store512(c1, ref c, columns + p); Store512(c2, ref c, (2 * columns) + p); Store512(c3, ref c, (3 * columns) + p);
                    p += lanes;
                }

                return;
            }

            if (Vector256.IsHardwareAccelerated && columns >= Vector256<T>.Count)
            {
                int lanes = Vector256<T>.Count;
                while (p < columns)
                {
                    p = Math.Min(p, columns - lanes);
                    Vector256<T> c0 = Vector256<T>.Zero, c1 = c0, c2 = c0, c3 = c0;
                    for (int k = 0; k < depth; k++)
                    {
                        Vector256<T> b0 = Load256(ref b, starts.Start(k) + p);
                        int at = k * depthStride;
                        c0 = Fma(Vector256.Create(Unsafe.Add(ref a, at)), b0, c0);
                        c1 = Fma(Vector256.Create(Unsafe.Add(ref a, rowStride + at)), b0, c1);
                        c2 = Fma(Vector256.Create(Unsafe.Add(ref a, (2 * rowStride) + at)), b0, c2);
                        c3 = Fma(Vector256.Create(Unsafe.Add(ref a, (3 * rowStride) + at)), b0, c3);
                    }

                    Store256(c0, ref c, p); Store256(c1, ref c, columns + p); Store256(c2, ref c, (2 * columns) + p); Store256(c3, ref c, (3 * columns) + p);
                    p += lanes;
                }

                return;
            }

            for (; p < columns; p++)
            {
                for (int r = 0; r < Rows; r++)
                {
                    ref T a_r = ref Unsafe.Add(ref a, r * rowStride);
                    T sum = T.Zero;
                    for (int k = 0; k < depth; k++)
                    {
                        sum = Fma(Unsafe.Add(ref a_r, k * depthStride), Unsafe.Add(ref b, starts.Start(k) + p), sum);
                    }

                    Unsafe.Add(ref c, (r * columns) + p) = sum;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // too large to inline: compiled optimised at once (cold start)
        private static void Block1<T, TRows>(ref T a, int depthStride, ref T b, TRows starts, ref T c, int depth, int columns)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TRows : struct, IRowStarts
        {
            int p = 0;
            if (Vector512.IsHardwareAccelerated && columns >= Vector512<T>.Count)
            {
                int lanes = Vector512<T>.Count;
                while (p < columns)
                {
                    p = Math.Min(p, columns - lanes);
                    Vector512<T> c0 = Vector512<T>.Zero;
                    for (int k = 0; k < depth; k++)
                    {
                        c0 = Fma(Vector512.Create(Unsafe.Add(ref a, k * depthStride)), Load512(ref b, starts.Start(k) + p), c0);
                    }

                    Store512(c0, ref c, p);
                    p += lanes;
                }

                return;
            }

            if (Vector256.IsHardwareAccelerated && columns >= Vector256<T>.Count)
            {
                int lanes = Vector256<T>.Count;
                while (p < columns)
                {
                    p = Math.Min(p, columns - lanes);
                    Vector256<T> c0 = Vector256<T>.Zero;
                    for (int k = 0; k < depth; k++)
                    {
                        c0 = Fma(Vector256.Create(Unsafe.Add(ref a, k * depthStride)), Load256(ref b, starts.Start(k) + p), c0);
                    }

                    Store256(c0, ref c, p);
                    p += lanes;
                }

                return;
            }

            for (; p < columns; p++)
            {
                T sum = T.Zero;
                for (int k = 0; k < depth; k++)
                {
                    sum = Fma(Unsafe.Add(ref a, k * depthStride), Unsafe.Add(ref b, starts.Start(k) + p), sum);
                }

                Unsafe.Add(ref c, p) = sum;
            }
        }

        /// <summary>The eight dot products of rows a0, a1 with rows b0..b3, summed as <see cref="Dot2x2"/> sums each: eight
        /// chains hide the multiply-add's latency, and six loads serve eight multiply-adds.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Dot2x4<T>(ref T a0, ref T a1, ref T b0, ref T b1, ref T b2, ref T b3, int length, Span<T> d)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int p = 0;
            T d00 = T.Zero, d01 = T.Zero, d02 = T.Zero, d03 = T.Zero, d10 = T.Zero, d11 = T.Zero, d12 = T.Zero, d13 = T.Zero;
            if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
            {
                int lanes = Vector512<T>.Count;
                Vector512<T> v00 = Vector512<T>.Zero, v01 = v00, v02 = v00, v03 = v00, v10 = v00, v11 = v00, v12 = v00, v13 = v00;
                for (; p + lanes <= length; p += lanes)
                {
                    Vector512<T> x0 = Load512(ref a0, p), x1 = Load512(ref a1, p);
                    Vector512<T> y0 = Load512(ref b0, p), y1 = Load512(ref b1, p), y2 = Load512(ref b2, p), y3 = Load512(ref b3, p);
                    v00 = Fma(x0, y0, v00); v01 = Fma(x0, y1, v01); v02 = Fma(x0, y2, v02); v03 = Fma(x0, y3, v03);
                    v10 = Fma(x1, y0, v10); v11 = Fma(x1, y1, v11); v12 = Fma(x1, y2, v12); v13 = Fma(x1, y3, v13);
                }

                d00 = Vector512.Sum(v00); d01 = Vector512.Sum(v01); d02 = Vector512.Sum(v02); d03 = Vector512.Sum(v03);
                d10 = Vector512.Sum(v10); d11 = Vector512.Sum(v11); d12 = Vector512.Sum(v12); d13 = Vector512.Sum(v13);
            }

            if (Vector256.IsHardwareAccelerated && length - p >= Vector256<T>.Count)
            {
                int lanes = Vector256<T>.Count;
                Vector256<T> v00 = Vector256<T>.Zero, v01 = v00, v02 = v00, v03 = v00, v10 = v00, v11 = v00, v12 = v00, v13 = v00;
                for (; p + lanes <= length; p += lanes)
                {
                    Vector256<T> x0 = Load256(ref a0, p), x1 = Load256(ref a1, p);
                    Vector256<T> y0 = Load256(ref b0, p), y1 = Load256(ref b1, p), y2 = Load256(ref b2, p), y3 = Load256(ref b3, p);
                    v00 = Fma(x0, y0, v00); v01 = Fma(x0, y1, v01); v02 = Fma(x0, y2, v02); v03 = Fma(x0, y3, v03);
                    v10 = Fma(x1, y0, v10); v11 = Fma(x1, y1, v11); v12 = Fma(x1, y2, v12); v13 = Fma(x1, y3, v13);
                }

                d00 += Vector256.Sum(v00); d01 += Vector256.Sum(v01); d02 += Vector256.Sum(v02); d03 += Vector256.Sum(v03);
                d10 += Vector256.Sum(v10); d11 += Vector256.Sum(v11); d12 += Vector256.Sum(v12); d13 += Vector256.Sum(v13);
            }

            for (; p < length; p++)
            {
                T x0 = Unsafe.Add(ref a0, p), x1 = Unsafe.Add(ref a1, p);
                T y0 = Unsafe.Add(ref b0, p), y1 = Unsafe.Add(ref b1, p), y2 = Unsafe.Add(ref b2, p), y3 = Unsafe.Add(ref b3, p);
                d00 = Fma(x0, y0, d00); d01 = Fma(x0, y1, d01); d02 = Fma(x0, y2, d02); d03 = Fma(x0, y3, d03);
                d10 = Fma(x1, y0, d10); d11 = Fma(x1, y1, d11); d12 = Fma(x1, y2, d12); d13 = Fma(x1, y3, d13);
            }

            d[0] = d00; d[1] = d01; d[2] = d02; d[3] = d03; d[4] = d10; d[5] = d11; d[6] = d12; d[7] = d13;
        }

        /// <summary>The four dot products of rows a0, a1 with rows b0, b1: lane sums in p order (Vector512, then Vector256
        /// for what remains), then across the lanes, then the scalar tail. <see cref="Dot1"/> and <see cref="Dot2x4"/>
        /// sum in the same order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Dot2x2<T>(ref T a0, ref T a1, ref T b0, ref T b1, int length, out T d00, out T d01, out T d10, out T d11)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int p = 0;
            d00 = d01 = d10 = d11 = T.Zero;
            if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
            {
                int lanes = Vector512<T>.Count;
                Vector512<T> v00 = Vector512<T>.Zero, v01 = v00, v10 = v00, v11 = v00;
                for (; p + lanes <= length; p += lanes)
                {
                    Vector512<T> x0 = Load512(ref a0, p), x1 = Load512(ref a1, p), y0 = Load512(ref b0, p), y1 = Load512(ref b1, p);
                    v00 = Fma(x0, y0, v00); v01 = Fma(x0, y1, v01); v10 = Fma(x1, y0, v10); v11 = Fma(x1, y1, v11);
                }

                d00 = Vector512.Sum(v00); d01 = Vector512.Sum(v01); d10 = Vector512.Sum(v10); d11 = Vector512.Sum(v11);
            }

            if (Vector256.IsHardwareAccelerated && length - p >= Vector256<T>.Count)
            {
                int lanes = Vector256<T>.Count;
                Vector256<T> v00 = Vector256<T>.Zero, v01 = v00, v10 = v00, v11 = v00;
                for (; p + lanes <= length; p += lanes)
                {
                    Vector256<T> x0 = Load256(ref a0, p), x1 = Load256(ref a1, p), y0 = Load256(ref b0, p), y1 = Load256(ref b1, p);
                    v00 = Fma(x0, y0, v00); v01 = Fma(x0, y1, v01); v10 = Fma(x1, y0, v10); v11 = Fma(x1, y1, v11);
                }

                d00 += Vector256.Sum(v00); d01 += Vector256.Sum(v01); d10 += Vector256.Sum(v10); d11 += Vector256.Sum(v11);
            }

            for (; p < length; p++)
            {
                T x0 = Unsafe.Add(ref a0, p), x1 = Unsafe.Add(ref a1, p), y0 = Unsafe.Add(ref b0, p), y1 = Unsafe.Add(ref b1, p);
                d00 = Fma(x0, y0, d00); d01 = Fma(x0, y1, d01); d10 = Fma(x1, y0, d10); d11 = Fma(x1, y1, d11);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T Dot1<T>(ref T a, ref T b, int length)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int p = 0;
            T s = T.Zero;
            if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
            {
                int lanes = Vector512<T>.Count;
                Vector512<T> v = Vector512<T>.Zero;
                for (; p + lanes <= length; p += lanes)
                {
                    v = Fma(Load512(ref a, p), Load512(ref b, p), v);
                }

                s = Vector512.Sum(v);
            }

            if (Vector256.IsHardwareAccelerated && length - p >= Vector256<T>.Count)
            {
                int lanes = Vector256<T>.Count;
                Vector256<T> v = Vector256<T>.Zero;
                for (; p + lanes <= length; p += lanes)
                {
                    v = Fma(Load256(ref a, p), Load256(ref b, p), v);
                }

                s += Vector256.Sum(v);
            }

            for (; p < length; p++)
            {
                s = Fma(Unsafe.Add(ref a, p), Unsafe.Add(ref b, p), s);
            }

            return s;
        }

        /// <summary><c>a * b + c</c>, fused where the hardware fuses (<see cref="Simd.MultiplyAdd(Vector512{float}, Vector512{float}, Vector512{float})"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                return Simd.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Simd.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }

            return (a * b) + c;
        }

        /// <summary><c>a * b + c</c>, fused where the hardware fuses.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (typeof(T) == typeof(float))
            {
                return Simd.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            }

            if (typeof(T) == typeof(double))
            {
                return Simd.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }

            return (a * b) + c;
        }

        /// <summary>The scalar <c>a * b + c</c>, rounded as the vector paths round it: once where the hardware fuses.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T Fma<T>(T a, T b, T c) where T : unmanaged, IFloatingPointIeee754<T> =>
            Simd.IsFused ? T.FusedMultiplyAdd(a, b, c) : (a * b) + c;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<T> Load512<T>(ref T origin, int at) where T : unmanaged => Vector512.LoadUnsafe(ref origin, (nuint)at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store512<T>(Vector512<T> value, ref T origin, int at) where T : unmanaged => value.StoreUnsafe(ref origin, (nuint)at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<T> Load256<T>(ref T origin, int at) where T : unmanaged => Vector256.LoadUnsafe(ref origin, (nuint)at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store256<T>(Vector256<T> value, ref T origin, int at) where T : unmanaged => value.StoreUnsafe(ref origin, (nuint)at);
    }
}
