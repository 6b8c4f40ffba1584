using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Quantization
{
    /// <summary>The instruction paths of the int8 kernels, best first. Every path computes the same integers: the
    /// products of 7-bit activations (0 to 127) by int8 weights (-127 to 127) summed in int32, so the results are
    /// bit-identical whichever runs.</summary>
    public enum Int8Path
    {
        /// <summary>Plain C#, one multiply-add at a time: the reference every other path equals.</summary>
        Scalar,

        /// <summary>128-bit vectors through the portable <c>Vector128</c> API (SSE2 on x64, AdvSimd on Arm64): bytes widened
        /// to 16 bits, multiplied, widened to 32 bits and added.</summary>
        Vector128,

        /// <summary>AVX2: <c>vpmaddubsw</c> (unsigned by signed bytes, pairs summed to 16 bits) then <c>vpmaddwd</c> by ones
        /// (to 32 bits). The pair sums cannot saturate because the activations have 7 bits: 2 x 127 x 127 = 32,258 &lt; 32,767.</summary>
        Avx2,

        /// <summary>AVX-VNNI: <c>vpdpbusd</c>, four multiply-adds per 32-bit lane in one instruction (the .NET 10 build of
        /// the runtime; a .NET 8 application runs the AVX2 path).</summary>
        AvxVnni,

        /// <summary>AVX-512BW: the AVX2 path's <c>vpmaddubsw</c> and <c>vpmaddwd</c> on 512-bit vectors. .NET has no API for
        /// 512-bit VNNI, and on the machine NetGen is measured on (an AMD EPYC) two 512-bit multiplies outrun one
        /// 256-bit <c>vpdpbusd</c>: docs/quantization.md gives the figures.</summary>
        Avx512,
    }

    /// <summary>The integer products of int8 inference, <c>y[m] = sum_k W[m, k] q[k]</c>, over weights packed for them
    /// (<see cref="Pack"/>): rows padded to a whole number of 64-byte blocks, and each group of 8 rows stored block by
    /// block (the 8 rows' first 64 bytes, then their next 64, ...), so that the 8-row kernels read one contiguous stream
    /// instead of 8 strided ones (a 64-byte block, one 512-bit vector or two 256-bit halves); the rows after the last whole group follow one after the other. The padding holds zero
    /// weights, so the activations' padding may hold any 7-bit value.</summary>
    internal static class Int8Kernels
    {
        /// <summary>Rows of weights and vectors of activations are padded to a multiple of this many bytes (one 512-bit
        /// vector; the 256-bit paths take each block in two halves).</summary>
        public const int Alignment = QuantizationMath.Alignment;

        /// <summary>Rows per packed group.</summary>
        public const int Group = QuantizationMath.Group;

        /// <summary>The best path this process supports.</summary>
        public static Int8Path Best { get; } =
            Avx512BW.IsSupported ? Int8Path.Avx512 :
#if NET9_0_OR_GREATER
            AvxVnni.IsSupported ? Int8Path.AvxVnni :
#endif
            Avx2.IsSupported ? Int8Path.Avx2 : Vector128.IsHardwareAccelerated ? Int8Path.Vector128 : Int8Path.Scalar;

        /// <summary>Whether <paramref name="path"/> runs on this machine and in this build.</summary>
        public static bool IsSupported(Int8Path path) => path switch
        {
            Int8Path.Scalar => true,
            Int8Path.Vector128 => Vector128.IsHardwareAccelerated,
            Int8Path.Avx2 => Avx2.IsSupported,
            Int8Path.Avx512 => Avx512BW.IsSupported,
#if NET9_0_OR_GREATER
            Int8Path.AvxVnni => AvxVnni.IsSupported,
#endif
            _ => false,
        };

        /// <summary>The padded length of a row of <paramref name="length"/> values.</summary>
        public static int Padded(int length) => QuantizationMath.Padded(length);

        /// <summary>Where weight (m, k) sits in the packed layout of <paramref name="rows"/> rows of <paramref name="stride"/>.</summary>
        public static int Offset(int m, int k, int rows, int stride) => QuantizationMath.Offset(m, k, rows, stride);

        /// <summary>Packs row-major weights (<paramref name="rows"/> rows of <paramref name="stride"/>) for <see cref="Multiply"/>.</summary>
        public static sbyte[] Pack(ReadOnlySpan<sbyte> rowMajor, int rows, int stride)
        {
            var packed = new sbyte[rows * stride];
            for (int m = 0; m < rows; m++)
            {
                for (int k = 0; k < stride; k++)
                {
                    packed[Offset(m, k, rows, stride)] = rowMajor[(m * stride) + k];
                }
            }

            return packed;
        }

        /// <summary><c>y[m] = sum_{k &lt; stride} W[m, k] q[k]</c> for <c>m &lt; y.Length</c>, W packed by <see cref="Pack"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Multiply(ReadOnlySpan<sbyte> w, int stride, ReadOnlySpan<byte> q, Span<int> y, Int8Path path)
        {
            int rows = y.Length;
            if (stride % Alignment != 0 || w.Length < rows * stride || q.Length < stride)
            {
                throw new ArgumentException($"the int8 product needs rows padded to {Alignment} bytes ({rows} x {stride} weights, {q.Length} inputs given)");
            }

            ref sbyte pw = ref MemoryMarshal.GetReference(w);
            ref byte pq = ref MemoryMarshal.GetReference(q);
            ref int py = ref MemoryMarshal.GetReference(y);
            switch (path)
            {
                case Int8Path.Avx512 when Avx512BW.IsSupported:
                    Avx512Path(ref pw, rows, stride, ref pq, ref py);
                    break;
#if NET9_0_OR_GREATER
                case Int8Path.AvxVnni when AvxVnni.IsSupported:
                    Vnni(ref pw, rows, stride, ref pq, ref py);
                    break;
#endif
                case Int8Path.Avx2 when Avx2.IsSupported:
                    Avx2Path(ref pw, rows, stride, ref pq, ref py);
                    break;
                case Int8Path.Vector128 when Vector128.IsHardwareAccelerated:
                    Vector128Path(ref pw, rows, stride, ref pq, ref py);
                    break;
                case Int8Path.Scalar:
                    ScalarPath(ref pw, rows, stride, ref pq, ref py);
                    break;
                default:
                    throw new PlatformNotSupportedException($"the int8 path {path} does not run here");
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ScalarPath(ref sbyte w, int rows, int stride, ref byte q, ref int y)
        {
            for (int m = 0; m < rows; m++)
            {
                int sum = 0;
                for (int k = 0; k < stride; k++)
                {
                    sum += Unsafe.Add(ref w, Offset(m, k, rows, stride)) * Unsafe.Add(ref q, k);
                }

                Unsafe.Add(ref y, m) = sum;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Vector128Path(ref sbyte w, int rows, int stride, ref byte q, ref int y)
        {
            for (int m = 0; m < rows; m++)
            {
                Vector128<int> a = Vector128<int>.Zero, b = a;
                for (int k = 0; k < stride; k += 16)
                {
                    Vector128<byte> x = Vector128.LoadUnsafe(ref q, (nuint)k);
                    Vector128<sbyte> v = Vector128.LoadUnsafe(ref w, (nuint)Offset(m, k, rows, stride));
                    Vector128<short> low = Vector128.WidenLower(x).AsInt16() * Vector128.WidenLower(v);
                    Vector128<short> high = Vector128.WidenUpper(x).AsInt16() * Vector128.WidenUpper(v);
                    a += Vector128.WidenLower(low) + Vector128.WidenUpper(low);
                    b += Vector128.WidenLower(high) + Vector128.WidenUpper(high);
                }

                Unsafe.Add(ref y, m) = Vector128.Sum(a + b);
            }
        }

#if NET9_0_OR_GREATER
        /// <summary>Eight rows at a time, one contiguous stream of weights, eight sums in flight: a <c>vpdpbusd</c> waits
        /// about 5 cycles for its accumulator, so fewer chains would leave the multipliers idle.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Vnni(ref sbyte w, int rows, int stride, ref byte q, ref int y)
        {
            int grouped = rows / Group * Group;
            nuint step = (nuint)stride;
            for (int m = 0; m < grouped; m += Group)
            {
                ref sbyte block = ref Unsafe.Add(ref w, (nint)m * stride);
                Vector256<int> a0 = Vector256<int>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                for (nuint k = 0; k < step; k += 64)
                {
                    ref sbyte b = ref Unsafe.Add(ref block, k * Group);
                    Vector256<byte> x = Vector256.LoadUnsafe(ref q, k), z = Vector256.LoadUnsafe(ref q, k + 32);
                    a0 = AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(a0, x, Vector256.LoadUnsafe(ref b)), z, Vector256.LoadUnsafe(ref b, 32));
                    a1 = AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(a1, x, Vector256.LoadUnsafe(ref b, 64)), z, Vector256.LoadUnsafe(ref b, 96));
                    a2 = AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(a2, x, Vector256.LoadUnsafe(ref b, 128)), z, Vector256.LoadUnsafe(ref b, 160));
                    a3 = AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(a3, x, Vector256.LoadUnsafe(ref b, 192)), z, Vector256.LoadUnsafe(ref b, 224));
                    a4 = AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(a4, x, Vector256.LoadUnsafe(ref b, 256)), z, Vector256.LoadUnsafe(ref b, 288));
                    a5 = AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(a5, x, Vector256.LoadUnsafe(ref b, 320)), z, Vector256.LoadUnsafe(ref b, 352));
                    a6 = AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(a6, x, Vector256.LoadUnsafe(ref b, 384)), z, Vector256.LoadUnsafe(ref b, 416));
                    a7 = AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(a7, x, Vector256.LoadUnsafe(ref b, 448)), z, Vector256.LoadUnsafe(ref b, 480));
                }

                Store4(ref Unsafe.Add(ref y, m), a0, a1, a2, a3);
                Store4(ref Unsafe.Add(ref y, m + 4), a4, a5, a6, a7);
            }

            for (int m = grouped; m < rows; m++)
            {
                nuint row = (nuint)m * step;
                Vector256<int> a = Vector256<int>.Zero, c = a;
                for (nuint k = 0; k < step; k += 64)
                {
                    a = AvxVnni.MultiplyWideningAndAdd(a, Vector256.LoadUnsafe(ref q, k), Vector256.LoadUnsafe(ref w, row + k));
                    c = AvxVnni.MultiplyWideningAndAdd(c, Vector256.LoadUnsafe(ref q, k + 32), Vector256.LoadUnsafe(ref w, row + k + 32));
                }

                Unsafe.Add(ref y, m) = Vector256.Sum(a + c);
            }
        }
#endif

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Avx2Path(ref sbyte w, int rows, int stride, ref byte q, ref int y)
        {
            Vector256<short> ones = Vector256.Create((short)1);
            int grouped = rows / Group * Group;
            nuint step = (nuint)stride;
            for (int m = 0; m < grouped; m += Group)
            {
                ref sbyte block = ref Unsafe.Add(ref w, (nint)m * stride);
                Vector256<int> a0 = Vector256<int>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                for (nuint k = 0; k < step; k += 64)
                {
                    ref sbyte b = ref Unsafe.Add(ref block, k * Group);
                    Vector256<byte> x = Vector256.LoadUnsafe(ref q, k), z = Vector256.LoadUnsafe(ref q, k + 32);
                    a0 += Product(x, Vector256.LoadUnsafe(ref b, 0), ones) + Product(z, Vector256.LoadUnsafe(ref b, 32), ones);
                    a1 += Product(x, Vector256.LoadUnsafe(ref b, 64), ones) + Product(z, Vector256.LoadUnsafe(ref b, 96), ones);
                    a2 += Product(x, Vector256.LoadUnsafe(ref b, 128), ones) + Product(z, Vector256.LoadUnsafe(ref b, 160), ones);
                    a3 += Product(x, Vector256.LoadUnsafe(ref b, 192), ones) + Product(z, Vector256.LoadUnsafe(ref b, 224), ones);
                    a4 += Product(x, Vector256.LoadUnsafe(ref b, 256), ones) + Product(z, Vector256.LoadUnsafe(ref b, 288), ones);
                    a5 += Product(x, Vector256.LoadUnsafe(ref b, 320), ones) + Product(z, Vector256.LoadUnsafe(ref b, 352), ones);
                    a6 += Product(x, Vector256.LoadUnsafe(ref b, 384), ones) + Product(z, Vector256.LoadUnsafe(ref b, 416), ones);
                    a7 += Product(x, Vector256.LoadUnsafe(ref b, 448), ones) + Product(z, Vector256.LoadUnsafe(ref b, 480), ones);
                }

                Store4(ref Unsafe.Add(ref y, m), a0, a1, a2, a3);
                Store4(ref Unsafe.Add(ref y, m + 4), a4, a5, a6, a7);
            }

            for (int m = grouped; m < rows; m++)
            {
                nuint row = (nuint)m * step;
                Vector256<int> a = Vector256<int>.Zero;
                for (nuint k = 0; k < step; k += 32)
                {
                    a += Product(Vector256.LoadUnsafe(ref q, k), Vector256.LoadUnsafe(ref w, row + k), ones);
                }

                Unsafe.Add(ref y, m) = Vector256.Sum(a);
            }
        }

        /// <summary>Eight sums of four products each: <c>vpmaddubsw</c> (pairs, to 16 bits), then <c>vpmaddwd</c> by ones.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> Product(Vector256<byte> x, Vector256<sbyte> w, Vector256<short> ones) =>
            Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, w), ones);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Avx512Path(ref sbyte w, int rows, int stride, ref byte q, ref int y)
        {
            Vector512<short> ones = Vector512.Create((short)1);
            int grouped = rows / Group * Group;
            nuint step = (nuint)stride;
            for (int m = 0; m < grouped; m += Group)
            {
                ref sbyte block = ref Unsafe.Add(ref w, (nint)m * stride);
                Vector512<int> a0 = Vector512<int>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                for (nuint k = 0; k < step; k += 64)
                {
                    Vector512<byte> x = Vector512.LoadUnsafe(ref q, k);
                    ref sbyte b = ref Unsafe.Add(ref block, k * Group);
                    a0 += Product(x, Vector512.LoadUnsafe(ref b), ones);
                    a1 += Product(x, Vector512.LoadUnsafe(ref b, 64), ones);
                    a2 += Product(x, Vector512.LoadUnsafe(ref b, 128), ones);
                    a3 += Product(x, Vector512.LoadUnsafe(ref b, 192), ones);
                    a4 += Product(x, Vector512.LoadUnsafe(ref b, 256), ones);
                    a5 += Product(x, Vector512.LoadUnsafe(ref b, 320), ones);
                    a6 += Product(x, Vector512.LoadUnsafe(ref b, 384), ones);
                    a7 += Product(x, Vector512.LoadUnsafe(ref b, 448), ones);
                }

                Store8(ref Unsafe.Add(ref y, m), a0, a1, a2, a3, a4, a5, a6, a7);
            }

            for (int m = grouped; m < rows; m++)
            {
                nuint row = (nuint)m * step;
                Vector512<int> a = Vector512<int>.Zero;
                for (nuint k = 0; k < step; k += 64)
                {
                    a += Product(Vector512.LoadUnsafe(ref q, k), Vector512.LoadUnsafe(ref w, row + k), ones);
                }

                Unsafe.Add(ref y, m) = Vector512.Sum(a);
            }
        }

        /// <summary>The sums of eight 16-lane accumulators into eight consecutive outputs, by a transposition: 128-bit
        /// blocks of pairs, then of quadruples, are shuffled together and added (each row's partial sums halving at each
        /// step), and the last four partials of each row are added within their block. 12 block shuffles, 2 unpacks, a
        /// shuffle and a permutation instead of 8 folds and 6 horizontal adds: about 20 ns less of L's 128 rows (a
        /// stand-alone copy of the kernel, 637 against 616 ns). Integer sums, so any order gives the same result.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store8(ref int y, Vector512<int> a0, Vector512<int> a1, Vector512<int> a2, Vector512<int> a3, Vector512<int> a4, Vector512<int> a5, Vector512<int> a6, Vector512<int> a7)
        {
            // Blocks [r0.b0 + r0.b2, r0.b1 + r0.b3, r1.b0 + r1.b2, r1.b1 + r1.b3], and so on; then one block per row.
            Vector512<int> low = Quad(Pair(a0, a1), Pair(a2, a3)), high = Quad(Pair(a4, a5), Pair(a6, a7));
            Vector512<int> t = Avx512F.UnpackLow(low, high) + Avx512F.UnpackHigh(low, high);
            Vector512<int> u = t + Avx512F.Shuffle(t, 0b01_00_11_10); // block j: [S_j, S_j+4, S_j, S_j+4]
            Avx512F.PermuteVar16x32(u, Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower().StoreUnsafe(ref y);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            static Vector512<int> Pair(Vector512<int> a, Vector512<int> b) =>
                Avx512F.Shuffle4x128(a, b, 0b01_00_01_00) + Avx512F.Shuffle4x128(a, b, 0b11_10_11_10);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            static Vector512<int> Quad(Vector512<int> p, Vector512<int> r) =>
                Avx512F.Shuffle4x128(p, r, 0b10_00_10_00) + Avx512F.Shuffle4x128(p, r, 0b11_01_11_01);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> Product(Vector512<byte> x, Vector512<sbyte> w, Vector512<short> ones) =>
            Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, w), ones);

        /// <summary>The sums of four accumulators into four consecutive outputs (two horizontal adds, then the halves).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store4(ref int y, Vector256<int> a0, Vector256<int> a1, Vector256<int> a2, Vector256<int> a3)
        {
            Vector256<int> s = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a0, a1), Avx2.HorizontalAdd(a2, a3));
            (s.GetLower() + s.GetUpper()).StoreUnsafe(ref y);
        }
    }
}
