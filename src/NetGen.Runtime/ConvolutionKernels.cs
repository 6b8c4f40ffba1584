using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Runtime
{
    /// <summary>The two matrix products a convolution reduces to after im2col, register-blocked: four rows of the left
    /// matrix share each load of the right one, and two vectors of columns share each broadcast weight, so eight
    /// accumulators stay in registers across the whole depth. Vector512 where the hardware has it, then Vector256, then
    /// scalars for the last columns. In <see cref="Multiply{T}"/> every output is a sum in the same order (k ascending) on
    /// every path and width, so its results do not depend on the vector width or the blocking; the dot products of
    /// <see cref="MultiplyTransposed{T}"/> sum per lane first, so they are the same on every machine with the same vector
    /// width.</summary>
    internal static class ConvolutionKernels
    {
        private const int Rows = 4;

        /// <summary><c>C[m, p] (+)= sum_k A[m, k] B[k, p]</c> for m &lt; rows, p &lt; columns, k &lt; depth, with A read at
        /// <c>a[m * rowStride + k * depthStride]</c> (so W or W^T without a copy), B and C row-major with
        /// <paramref name="columns"/> columns. Without <paramref name="accumulate"/>, C is overwritten.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Multiply<T>(ReadOnlySpan<T> a, int rowStride, int depthStride, ReadOnlySpan<T> b, Span<T> c, int rows, int depth, int columns, bool accumulate)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T ra = ref MemoryMarshal.GetReference(a);
            ref T rb = ref MemoryMarshal.GetReference(b);
            ref T rc = ref MemoryMarshal.GetReference(c);
            int m = 0;
            for (; m + Rows <= rows; m += Rows)
            {
                Block4(ref Unsafe.Add(ref ra, m * rowStride), rowStride, depthStride, ref rb, ref Unsafe.Add(ref rc, m * columns), depth, columns, accumulate);
            }

            for (; m < rows; m++)
            {
                Block1(ref Unsafe.Add(ref ra, m * rowStride), depthStride, ref rb, ref Unsafe.Add(ref rc, m * columns), depth, columns, accumulate);
            }
        }

        /// <summary><c>C[m, n] += sum_p A[m, p] B[n, p]</c> (A times B transposed; both row-major with
        /// <paramref name="length"/> columns; C row-major with <paramref name="columns"/> = n columns): the weight gradient
        /// <c>dW += dA X^T</c>. Each output is a dot product, summed per vector lane in p order, then across lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MultiplyTransposed<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int rows, int columns, int length)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ref T ra = ref MemoryMarshal.GetReference(a);
            ref T rb = ref MemoryMarshal.GetReference(b);
            for (int m = 0; m < rows; m++)
            {
                ref T am = ref Unsafe.Add(ref ra, m * length);
                int n = 0;
                for (; n + 2 <= columns; n += 2)
                {
                    (T d0, T d1) = Dot2(ref am, ref Unsafe.Add(ref rb, n * length), ref Unsafe.Add(ref rb, (n + 1) * length), length);
                    c[(m * columns) + n] += d0;
                    c[(m * columns) + n + 1] += d1;
                }

                for (; n < columns; n++)
                {
                    c[(m * columns) + n] += Dot1(ref am, ref Unsafe.Add(ref rb, n * length), length);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Block4<T>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int depth, int columns, bool accumulate)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int p = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                int lanes = Vector512<T>.Count;
                for (; p + (2 * lanes) <= columns; p += 2 * lanes)
                {
                    Vector512<T> c00, c01, c10, c11, c20, c21, c30, c31;
                    if (accumulate)
                    {
                        c00 = Load512(ref c, p); c01 = Load512(ref c, p + lanes);
                        c10 = Load512(ref c, columns + p); c11 = Load512(ref c, columns + p + lanes);
                        c20 = Load512(ref c, (2 * columns) + p); c21 = Load512(ref c, (2 * columns) + p + lanes);
                        c30 = Load512(ref c, (3 * columns) + p); c31 = Load512(ref c, (3 * columns) + p + lanes);
                    }
                    else
                    {
                        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector512<T>.Zero;
                    }

                    for (int k = 0; k < depth; k++)
                    {
                        Vector512<T> b0 = Load512(ref b, (k * columns) + p), b1 = Load512(ref b, (k * columns) + p + lanes);
                        int at = k * depthStride;
                        Vector512<T> w0 = Vector512.Create(Unsafe.Add(ref a, at)), w1 = Vector512.Create(Unsafe.Add(ref a, rowStride + at));
                        Vector512<T> w2 = Vector512.Create(Unsafe.Add(ref a, (2 * rowStride) + at)), w3 = Vector512.Create(Unsafe.Add(ref a, (3 * rowStride) + at));
                        c00 += w0 * b0; c01 += w0 * b1;
                        c10 += w1 * b0; c11 += w1 * b1;
                        c20 += w2 * b0; c21 += w2 * b1;
                        c30 += w3 * b0; c31 += w3 * b1;
                    }

                    Store512(c00, ref c, p); Store512(c01, ref c, p + lanes);
                    Store512(c10, ref c, columns + p); Store512(c11, ref c, columns + p + lanes);
                    Store512(c20, ref c, (2 * columns) + p); Store512(c21, ref c, (2 * columns) + p + lanes);
                    Store512(c30, ref c, (3 * columns) + p); Store512(c31, ref c, (3 * columns) + p + lanes);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                int lanes = Vector256<T>.Count;
                for (; p + lanes <= columns; p += lanes)
                {
                    Vector256<T> c0, c1, c2, c3;
                    if (accumulate)
                    {
                        c0 = Load256(ref c, p); c1 = Load256(ref c, columns + p); c2 = Load256(ref c, (2 * columns) + p); c3 = Load256(ref c, (3 * columns) + p);
                    }
                    else
                    {
                        c0 = c1 = c2 = c3 = Vector256<T>.Zero;
                    }

                    for (int k = 0; k < depth; k++)
                    {
                        Vector256<T> b0 = Load256(ref b, (k * columns) + p);
                        int at = k * depthStride;
                        c0 += Vector256.Create(Unsafe.Add(ref a, at)) * b0;
                        c1 += Vector256.Create(Unsafe.Add(ref a, rowStride + at)) * b0;
                        c2 += Vector256.Create(Unsafe.Add(ref a, (2 * rowStride) + at)) * b0;
                        c3 += Vector256.Create(Unsafe.Add(ref a, (3 * rowStride) + at)) * b0;
                    }

                    Store256(c0, ref c, p); Store256(c1, ref c, columns + p); Store256(c2, ref c, (2 * columns) + p); Store256(c3, ref c, (3 * columns) + p);
                }
            }

            for (; p < columns; p++)
            {
                for (int r = 0; r < Rows; r++)
                {
                    ref T a_r = ref Unsafe.Add(ref a, r * rowStride);
                    T sum = accumulate ? Unsafe.Add(ref c, (r * columns) + p) : T.Zero;
                    for (int k = 0; k < depth; k++)
                    {
                        sum += Unsafe.Add(ref a_r, k * depthStride) * Unsafe.Add(ref b, (k * columns) + p);
                    }

                    Unsafe.Add(ref c, (r * columns) + p) = sum;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Block1<T>(ref T a, int depthStride, ref T b, ref T c, int depth, int columns, bool accumulate)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int p = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                int lanes = Vector512<T>.Count;
                for (; p + lanes <= columns; p += lanes)
                {
                    Vector512<T> c0 = accumulate ? Load512(ref c, p) : Vector512<T>.Zero;
                    for (int k = 0; k < depth; k++)
                    {
                        c0 += Vector512.Create(Unsafe.Add(ref a, k * depthStride)) * Load512(ref b, (k * columns) + p);
                    }

                    Store512(c0, ref c, p);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                int lanes = Vector256<T>.Count;
                for (; p + lanes <= columns; p += lanes)
                {
                    Vector256<T> c0 = accumulate ? Load256(ref c, p) : Vector256<T>.Zero;
                    for (int k = 0; k < depth; k++)
                    {
                        c0 += Vector256.Create(Unsafe.Add(ref a, k * depthStride)) * Load256(ref b, (k * columns) + p);
                    }

                    Store256(c0, ref c, p);
                }
            }

            for (; p < columns; p++)
            {
                T sum = accumulate ? Unsafe.Add(ref c, p) : T.Zero;
                for (int k = 0; k < depth; k++)
                {
                    sum += Unsafe.Add(ref a, k * depthStride) * Unsafe.Add(ref b, (k * columns) + p);
                }

                Unsafe.Add(ref c, p) = sum;
            }
        }

        /// <summary>Two dot products sharing the loads of <paramref name="a"/>: lane sums in p order, then the lanes, then
        /// the scalar tail.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (T, T) Dot2<T>(ref T a, ref T b0, ref T b1, int length)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int p = 0;
            T s0 = T.Zero, s1 = T.Zero;
            if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
            {
                int lanes = Vector256<T>.Count;
                Vector256<T> v0 = Vector256<T>.Zero, v1 = Vector256<T>.Zero;
                for (; p + lanes <= length; p += lanes)
                {
                    Vector256<T> x = Load256(ref a, p);
                    v0 += x * Load256(ref b0, p);
                    v1 += x * Load256(ref b1, p);
                }

                s0 = Vector256.Sum(v0);
                s1 = Vector256.Sum(v1);
            }

            for (; p < length; p++)
            {
                s0 += Unsafe.Add(ref a, p) * Unsafe.Add(ref b0, p);
                s1 += Unsafe.Add(ref a, p) * Unsafe.Add(ref b1, p);
            }

            return (s0, s1);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T Dot1<T>(ref T a, ref T b, int length)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int p = 0;
            T s = T.Zero;
            if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
            {
                int lanes = Vector256<T>.Count;
                Vector256<T> v = Vector256<T>.Zero;
                for (; p + lanes <= length; p += lanes)
                {
                    v += Load256(ref a, p) * Load256(ref b, p);
                }

                s = Vector256.Sum(v);
            }

            for (; p < length; p++)
            {
                s += Unsafe.Add(ref a, p) * Unsafe.Add(ref b, p);
            }

            return s;
        }

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
