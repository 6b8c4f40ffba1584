using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Runtime;

namespace NetGen.Quantization
{
    /// <summary>The int8 steps of convolutions and pools (docs/quantization.md, "Convolutions and pools"). Activations are
    /// 7-bit codes laid out as the float ones, channel-major then row-major, and so are a convolution's int32 sums.</summary>
    public static partial class Int8Inference
    {
        /// <summary>The length of the workspace <see cref="Convolve(ReadOnlySpan{int}, ReadOnlySpan{byte}, in ConvolutionShape, int, Span{short}, Span{int})"/>
        /// needs: one group's taps in pairs, each pair two int16 per output position (positions padded to 16).</summary>
        public static int ColumnsLength(in ConvolutionShape shape) => QuantizationMath.ColumnsLength(shape.Taps, shape.Positions);

        /// <summary>A convolution's int32 sums, channel-major: <c>sums[o * P + p] = sum_t W[o, t] q[tap(p, t)]</c>, where a
        /// tap in the padding reads <paramref name="zeroPoint"/>, the code of a real 0. Group by group, the taps are
        /// gathered into <paramref name="columns"/> as int16 pairs per output position (im2col: pair i of position p at
        /// <c>(i * P' + p) * 2</c>), and each output channel's weight pairs (<see cref="QuantizedLayerPlan.Pairs"/>) multiply
        /// 16, 8 or 4 positions at once (<c>vpmaddwd</c>: two taps per 32-bit lane, exact in int32), or one in plain C#:
        /// the same integers on every path.</summary>
        /// <param name="pairs">Per output channel, its taps in pairs of int16 (tap 2i low, tap 2i + 1 high).</param>
        /// <param name="q">The input's 7-bit codes, channel-major.</param>
        /// <param name="shape">The layer's geometry.</param>
        /// <param name="zeroPoint">The input's zero point, which a tap in the padding reads.</param>
        /// <param name="columns">Workspace of at least <see cref="ColumnsLength"/> values.</param>
        /// <param name="sums">Receives the sums, channel-major: <c>sums[o * P + p]</c>.</param>
        public static void Convolve(ReadOnlySpan<int> pairs, ReadOnlySpan<byte> q, in ConvolutionShape shape, int zeroPoint, Span<short> columns, Span<int> sums) =>
            Convolve(pairs, q, shape, zeroPoint, columns, sums, Int8Kernels.Best);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Convolve(ReadOnlySpan<int> pairs, ReadOnlySpan<byte> q, in ConvolutionShape shape, int zeroPoint, Span<short> columns, Span<int> sums, Int8Path path)
        {
            ConvolutionShape s = shape;
            int perGroup = s.OutChannels / s.Groups, count = (s.Taps + 1) / 2, padded = QuantizationMath.PaddedPositions(s.Positions);
            if (q.Length < s.InputSize || sums.Length < s.OutputSize || columns.Length < ColumnsLength(s) || pairs.Length < s.OutChannels * count)
            {
                throw new ArgumentException("the int8 convolution's spans are shorter than its shape needs");
            }

            if ((uint)zeroPoint > 127)
            {
                throw new ArgumentOutOfRangeException(nameof(zeroPoint), zeroPoint, "a 7-bit zero point lies in [0, 127]");
            }

            for (int g = 0; g < s.Groups; g++)
            {
                Gather(q, s, g, zeroPoint, columns, padded);
                for (int o = g * perGroup; o < (g + 1) * perGroup; o++)
                {
                    Channel(pairs.Slice(o * count, count), columns, padded, sums.Slice(o * s.Positions, s.Positions), path);
                }
            }
        }

        /// <summary>im2col for group <paramref name="g"/> into int16 pairs: tap <c>t = (c * KH + i) * KW + j</c> of position
        /// <c>p = y * W' + x</c> at <c>((t / 2) * P' + p) * 2 + t % 2</c>, the zero point where the window is in the padding.
        /// Seen as int32, pair i's plane holds one value per position: an even tap writes it whole (its pair's high half
        /// 0), the odd tap after it ORs itself into the high half, 8 or 16 positions at a time along a row with stride 1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Gather(ReadOnlySpan<byte> q, in ConvolutionShape s, int g, int zeroPoint, Span<short> columns, int padded)
        {
            int channels = s.InChannels / s.Groups, plane = s.InHeight * s.InWidth;
            Span<int> planes = MemoryMarshal.Cast<short, int>(columns);
            for (int c = 0; c < channels; c++)
            {
                ReadOnlySpan<byte> qc = q.Slice(((g * channels) + c) * plane, plane);
                for (int i = 0; i < s.KernelHeight; i++)
                {
                    for (int j = 0; j < s.KernelWidth; j++)
                    {
                        int t = (((c * s.KernelHeight) + i) * s.KernelWidth) + j, half = (t % 2) * 16;
                        ref int column = ref MemoryMarshal.GetReference(planes.Slice(t / 2 * padded, padded));
                        int z = zeroPoint << half;
                        // The output columns whose input column x * sw + j * dw - pl lies inside [0, W).
                        int shift = (j * s.DilationWidth) - s.PadLeft;
                        int first = shift >= 0 ? 0 : Math.Min(s.OutWidth, (-shift + s.StrideWidth - 1) / s.StrideWidth);
                        int end = Math.Max(first, Math.Min(s.OutWidth, (s.InWidth - shift + s.StrideWidth - 1) / s.StrideWidth));
                        for (int y = 0; y < s.OutHeight; y++)
                        {
                            int iy = (y * s.StrideHeight) + (i * s.DilationHeight) - s.PadTop;
                            ref int target = ref Unsafe.Add(ref column, y * s.OutWidth);
                            if ((uint)iy >= (uint)s.InHeight)
                            {
                                Fill(ref target, 0, s.OutWidth, z, half);
                                continue;
                            }

                            Fill(ref target, 0, first, z, half);
                            ref byte row = ref Unsafe.Add(ref MemoryMarshal.GetReference(qc), iy * s.InWidth); // input column x sw + shift
                            int x = first;
                            if (s.StrideWidth == 1)
                            {
                                if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
                                {
                                    for (; x + 16 <= end; x += 16)
                                    {
                                        Vector512<int> v = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref row, (nuint)(x + shift))) << half;
                                        (half == 0 ? v : v | Vector512.LoadUnsafe(ref target, (nuint)x)).StoreUnsafe(ref target, (nuint)x);
                                    }
                                }

                                if (Avx2.IsSupported)
                                {
                                    for (; x + 8 <= end; x += 8)
                                    {
                                        Vector256<int> v = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref row, x + shift))).AsByte()) << half;
                                        (half == 0 ? v : v | Vector256.LoadUnsafe(ref target, (nuint)x)).StoreUnsafe(ref target, (nuint)x);
                                    }
                                }
                            }

                            for (; x < end; x++)
                            {
                                int v = Unsafe.Add(ref row, (x * s.StrideWidth) + shift) << half;
                                Unsafe.Add(ref target, x) = half == 0 ? v : v | Unsafe.Add(ref target, x);
                            }

                            Fill(ref target, end, s.OutWidth, z, half);
                        }
                    }
                }
            }
        }

        /// <summary>Positions <c>[from, to)</c> of a pair's plane: the value <paramref name="z"/> (already in its half),
        /// whole for an even tap, ORed into the high half for an odd one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Fill(ref int target, int from, int to, int z, int half)
        {
            for (int x = from; x < to; x++)
            {
                Unsafe.Add(ref target, x) = half == 0 ? z : z | Unsafe.Add(ref target, x);
            }
        }

        /// <summary>One output channel: <c>sums[p] = sum_i lo(pairs[i]) columns[(i P' + p) 2] + hi(pairs[i]) columns[(i P' + p) 2 + 1]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Channel(ReadOnlySpan<int> pairs, ReadOnlySpan<short> columns, int padded, Span<int> sums, Int8Path path)
        {
            int positions = sums.Length, p = 0, count = pairs.Length;
            ref short origin = ref MemoryMarshal.GetReference(columns);
            ref int target = ref MemoryMarshal.GetReference(sums);
            nuint pairStride = (nuint)padded * 2;
            if (path == Int8Path.Avx512 && Avx512BW.IsSupported)
            {
                for (; p + 64 <= positions; p += 64)
                {
                    Vector512<int> a0 = Vector512<int>.Zero, a1 = a0, a2 = a0, a3 = a0;
                    ref short block = ref Unsafe.Add(ref origin, p * 2);
                    for (int i = 0; i < count; i++)
                    {
                        Vector512<short> w = Vector512.Create(pairs[i]).AsInt16();
                        nuint at = (nuint)i * pairStride;
                        a0 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref block, at), w);
                        a1 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref block, at + 32), w);
                        a2 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref block, at + 64), w);
                        a3 += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref block, at + 96), w);
                    }

                    a0.StoreUnsafe(ref target, (nuint)p);
                    a1.StoreUnsafe(ref target, (nuint)p + 16);
                    a2.StoreUnsafe(ref target, (nuint)p + 32);
                    a3.StoreUnsafe(ref target, (nuint)p + 48);
                }

                for (; p + 16 <= positions; p += 16)
                {
                    Vector512<int> a = Vector512<int>.Zero;
                    ref short block = ref Unsafe.Add(ref origin, p * 2);
                    for (int i = 0; i < count; i++)
                    {
                        a += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref block, (nuint)i * pairStride), Vector512.Create(pairs[i]).AsInt16());
                    }

                    a.StoreUnsafe(ref target, (nuint)p);
                }
            }

            // The positions a wider path leaves fall to the narrower ones: the same integers either way.
            if (path is Int8Path.Avx512 or Int8Path.AvxVnni or Int8Path.Avx2 && Avx2.IsSupported)
            {
                for (; p + 32 <= positions; p += 32)
                {
                    Vector256<int> a0 = Vector256<int>.Zero, a1 = a0, a2 = a0, a3 = a0;
                    ref short block = ref Unsafe.Add(ref origin, p * 2);
                    for (int i = 0; i < count; i++)
                    {
                        Vector256<short> w = Vector256.Create(pairs[i]).AsInt16();
                        nuint at = (nuint)i * pairStride;
                        a0 += Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref block, at), w);
                        a1 += Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref block, at + 16), w);
                        a2 += Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref block, at + 32), w);
                        a3 += Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref block, at + 48), w);
                    }

                    a0.StoreUnsafe(ref target, (nuint)p);
                    a1.StoreUnsafe(ref target, (nuint)p + 8);
                    a2.StoreUnsafe(ref target, (nuint)p + 16);
                    a3.StoreUnsafe(ref target, (nuint)p + 24);
                }

                for (; p + 8 <= positions; p += 8)
                {
                    Vector256<int> a = Vector256<int>.Zero;
                    ref short block = ref Unsafe.Add(ref origin, p * 2);
                    for (int i = 0; i < count; i++)
                    {
                        a += Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref block, (nuint)i * pairStride), Vector256.Create(pairs[i]).AsInt16());
                    }

                    a.StoreUnsafe(ref target, (nuint)p);
                }
            }

            if (path != Int8Path.Scalar && Sse2.IsSupported)
            {
                for (; p + 4 <= positions; p += 4)
                {
                    Vector128<int> a = Vector128<int>.Zero;
                    ref short block = ref Unsafe.Add(ref origin, p * 2);
                    for (int i = 0; i < count; i++)
                    {
                        a += Sse2.MultiplyAddAdjacent(Vector128.LoadUnsafe(ref block, (nuint)i * pairStride), Vector128.Create(pairs[i]).AsInt16());
                    }

                    a.StoreUnsafe(ref target, (nuint)p);
                }
            }

            for (; p < positions; p++)
            {
                int sum = 0;
                for (int i = 0; i < count; i++)
                {
                    int at = (int)((nuint)i * pairStride) + (p * 2);
                    sum += (Unsafe.Add(ref origin, at) * (short)pairs[i]) + (Unsafe.Add(ref origin, at + 1) * (pairs[i] >> 16));
                }

                Unsafe.Add(ref target, p) = sum;
            }
        }

        /// <summary>After a convolution with Identity or ReLU: <c>next[o * P + p] = clamp(zeroPoint + round(M[o] (sums[o * P + p]
        /// + offsets[o])), low, 127)</c>, exactly <see cref="FixedPointMultiplier.Apply"/> as <see cref="Requantize"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void RequantizeChannels(ReadOnlySpan<int> sums, ReadOnlySpan<int> offsets, ReadOnlySpan<int> mantissas, ReadOnlySpan<int> shifts, int positions, int zeroPoint, int low, Span<byte> next)
        {
            int channels = offsets.Length;
            if (sums.Length < positions * channels || next.Length < positions * channels || mantissas.Length < channels || shifts.Length < channels)
            {
                throw new ArgumentException("the requantisation's spans are shorter than its channels and positions need");
            }

            for (int o = 0; o < channels; o++)
            {
                var multiplier = new FixedPointMultiplier(mantissas[o], shifts[o]);
                int offset = offsets[o], p = 0;
                Span<byte> row = next.Slice(o * positions, positions);
                ReadOnlySpan<int> channel = sums.Slice(o * positions, positions);
                if (Avx2.IsSupported && multiplier.Shift >= 1)
                {
                    // The channel's multiplier in every lane: Requantize's arithmetic, 8 positions at a time.
                    Vector256<int> z = Vector256.Create(zeroPoint), lo = Vector256.Create(low), hi = Vector256.Create(127), add = Vector256.Create(offset);
                    Vector256<uint> factor = Vector256.Create((uint)multiplier.Multiplier);
                    Vector256<ulong> count = Vector256.Create((ulong)multiplier.Shift);
                    ref int source = ref MemoryMarshal.GetReference(channel);
                    for (; p + 8 <= positions; p += 8)
                    {
                        Vector256<int> x = Vector256.LoadUnsafe(ref source, (nuint)p) + add;
                        StoreBytes(Avx2.Min(Avx2.Max(Rescale(x, factor, count, count) + z, lo), hi), ref row[p]);
                    }
                }

                for (; p < positions; p++)
                {
                    row[p] = (byte)Math.Clamp(zeroPoint + multiplier.Apply(channel[p] + offset), low, 127);
                }
            }
        }

        /// <summary>After a convolution with another activation, or at the output: <c>h[o * P + p] = g(scales[o]
        /// (sums[o * P + p] + offsets[o]))</c> in float, with NetGen's portable exponential.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ActivateChannels(ReadOnlySpan<int> sums, ReadOnlySpan<int> offsets, ReadOnlySpan<float> scales, Activation activation, float alpha, int positions, Span<float> h)
        {
            int channels = offsets.Length;
            if (sums.Length < positions * channels || h.Length < positions * channels || scales.Length < channels)
            {
                throw new ArgumentException("the activation's spans are shorter than its channels and positions need");
            }

            for (int o = 0; o < channels; o++)
            {
                float scale = scales[o];
                int offset = offsets[o];
                Span<float> row = h.Slice(o * positions, positions);
                for (int p = 0; p < positions; p++)
                {
                    row[p] = Apply(activation, alpha, (sums[(o * positions) + p] + offset) * scale);
                }
            }
        }

        /// <summary>Maxout, in float: <c>h[m] = max_p a[p * U + m]</c> with <c>a[r] = scales[r] (sums[r] + offsets[r])</c>,
        /// the layer's <paramref name="pieces"/> x U affine outputs piece-major (as the float layer stores them).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ActivateMaxout(ReadOnlySpan<int> sums, ReadOnlySpan<int> offsets, ReadOnlySpan<float> scales, int pieces, Span<float> h)
        {
            int outputs = offsets.Length, units = pieces > 0 ? outputs / pieces : 0;
            if (pieces < 1 || units * pieces != outputs || sums.Length < outputs || scales.Length < outputs || h.Length < units)
            {
                throw new ArgumentException("the maxout's spans do not hold its pieces times its units");
            }

            for (int m = 0; m < units; m++)
            {
                float best = (sums[m] + offsets[m]) * scales[m];
                for (int p = 1; p < pieces; p++)
                {
                    int r = (p * units) + m;
                    float a = (sums[r] + offsets[r]) * scales[r];
                    best = a > best ? a : best;
                }

                h[m] = best;
            }
        }

        /// <summary>PReLU, in float: <c>h[o * P + p] = a &gt; 0 ? a : slopes[o] a</c> with <c>a = scales[o] (sums[o * P + p] +
        /// offsets[o])</c>, one slope per channel of a convolution (P its positions), or per unit of a dense layer (P = 1).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ActivatePReLU(ReadOnlySpan<int> sums, ReadOnlySpan<int> offsets, ReadOnlySpan<float> scales, ReadOnlySpan<float> slopes, int positions, Span<float> h)
        {
            int channels = offsets.Length;
            if (sums.Length < positions * channels || h.Length < positions * channels || scales.Length < channels || slopes.Length < channels)
            {
                throw new ArgumentException("the activation's spans are shorter than its channels and positions need");
            }

            for (int o = 0; o < channels; o++)
            {
                float scale = scales[o], slope = slopes[o];
                int offset = offsets[o];
                ReadOnlySpan<int> row = sums.Slice(o * positions, positions);
                Span<float> target = h.Slice(o * positions, positions);
                for (int p = 0; p < row.Length; p++)
                {
                    float a = (row[p] + offset) * scale;
                    target[p] = a > 0 ? a : slope * a;
                }
            }
        }

        /// <summary>Max pooling of codes: the largest code in each window (padding never wins). A code's order is its
        /// value's, so this is exactly the float pool's output, quantised; it keeps its input's scale and zero point.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxPool(ReadOnlySpan<byte> q, in ConvolutionShape shape, Span<byte> a)
        {
            ConvolutionShape s = shape;
            int plane = s.InHeight * s.InWidth;
            if (q.Length < s.InputSize || a.Length < s.OutputSize)
            {
                throw new ArgumentException("the int8 pool's spans are shorter than its shape needs");
            }

            bool inside = Convolution.Inside(s);
            if (inside && s.KernelHeight == 2 && s.KernelWidth == 2 && s.DilationHeight == 1 && s.DilationWidth == 1)
            {
                // The common 2 x 2 window, unrolled.
                for (int c = 0; c < s.InChannels; c++)
                {
                    ref byte qc = ref Unsafe.Add(ref MemoryMarshal.GetReference(q), c * plane);
                    ref byte ac = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), c * s.Positions);
                    for (int y = 0; y < s.OutHeight; y++)
                    {
                        ref byte top = ref Unsafe.Add(ref qc, y * s.StrideHeight * s.InWidth);
                        ref byte bottom = ref Unsafe.Add(ref top, s.InWidth);
                        ref byte target = ref Unsafe.Add(ref ac, y * s.OutWidth);
                        for (int x = 0; x < s.OutWidth; x++)
                        {
                            int at = x * s.StrideWidth;
                            Unsafe.Add(ref target, x) = Math.Max(Math.Max(Unsafe.Add(ref top, at), Unsafe.Add(ref top, at + 1)), Math.Max(Unsafe.Add(ref bottom, at), Unsafe.Add(ref bottom, at + 1)));
                        }
                    }
                }

                return;
            }

            for (int c = 0; c < s.InChannels; c++)
            {
                ReadOnlySpan<byte> qc = q.Slice(c * plane, plane);
                Span<byte> ac = a.Slice(c * s.Positions, s.Positions);
                for (int y = 0; y < s.OutHeight; y++)
                {
                    for (int x = 0; x < s.OutWidth; x++)
                    {
                        int largest = -1;
                        if (inside)
                        {
                            // Every window lies in the input (no padding, no ceil-mode window past the edge): no bounds to test.
                            ref byte corner = ref Unsafe.Add(ref MemoryMarshal.GetReference(qc), (y * s.StrideHeight * s.InWidth) + (x * s.StrideWidth));
                            for (int i = 0; i < s.KernelHeight; i++)
                            {
                                ref byte row = ref Unsafe.Add(ref corner, i * s.DilationHeight * s.InWidth);
                                for (int j = 0; j < s.KernelWidth; j++)
                                {
                                    largest = Math.Max(largest, Unsafe.Add(ref row, j * s.DilationWidth));
                                }
                            }

                            Unsafe.Add(ref MemoryMarshal.GetReference(ac), (y * s.OutWidth) + x) = (byte)largest;
                            continue;
                        }

                        for (int i = 0; i < s.KernelHeight; i++)
                        {
                            int iy = (y * s.StrideHeight) + (i * s.DilationHeight) - s.PadTop;
                            if ((uint)iy >= (uint)s.InHeight)
                            {
                                continue;
                            }

                            for (int j = 0; j < s.KernelWidth; j++)
                            {
                                int ix = (x * s.StrideWidth) + (j * s.DilationWidth) - s.PadLeft;
                                if ((uint)ix < (uint)s.InWidth)
                                {
                                    largest = Math.Max(largest, qc[(iy * s.InWidth) + ix]);
                                }
                            }
                        }

                        ac[(y * s.OutWidth) + x] = largest >= 0 ? (byte)largest : throw new ArgumentException("a max pool window lies in the padding only", nameof(shape));
                    }
                }
            }
        }

        /// <summary>Average pooling of codes: <c>a = zeroPoint + round(sum (q - zeroPoint) / divisor)</c>, half away from
        /// zero, with the divisor of the float pool (PyTorch's rule, <paramref name="countIncludePad"/>); padding adds a real
        /// 0. The mean of values in a range that holds 0 stays in it, so the output keeps its input's scale and zero point.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AvgPool(ReadOnlySpan<byte> q, in ConvolutionShape shape, bool countIncludePad, int zeroPoint, Span<byte> a)
        {
            ConvolutionShape s = shape;
            int plane = s.InHeight * s.InWidth;
            if (q.Length < s.InputSize || a.Length < s.OutputSize)
            {
                throw new ArgumentException("the int8 pool's spans are shorter than its shape needs");
            }

            for (int c = 0; c < s.InChannels; c++)
            {
                ReadOnlySpan<byte> qc = q.Slice(c * plane, plane);
                Span<byte> ac = a.Slice(c * s.Positions, s.Positions);
                for (int y = 0; y < s.OutHeight; y++)
                {
                    for (int x = 0; x < s.OutWidth; x++)
                    {
                        (int y0, int y1, int x0, int x1, int divisor) = Convolution.Window(s, y, x, countIncludePad);
                        if (divisor <= 0)
                        {
                            throw new ArgumentException("an average pool window holds no input", nameof(shape));
                        }

                        int sum = 0;
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                sum += qc[(iy * s.InWidth) + ix] - zeroPoint;
                            }
                        }

                        ac[(y * s.OutWidth) + x] = (byte)Math.Clamp(zeroPoint + DivideRounded(sum, divisor), 0, 127);
                    }
                }
            }
        }

        /// <summary>Codes back to reals, for a network that ends in a pool: <c>y = (q - zeroPoint) scale</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Dequantize(ReadOnlySpan<byte> q, float scale, int zeroPoint, Span<float> y)
        {
            if (q.Length < y.Length)
            {
                throw new ArgumentException("the codes are fewer than the outputs", nameof(q));
            }

            for (int i = 0; i < y.Length; i++)
            {
                y[i] = (q[i] - zeroPoint) * scale;
            }
        }

        /// <summary><c>n / d</c> rounded half away from zero, for <c>d &gt; 0</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int DivideRounded(int n, int d) => (int)(n >= 0 ? ((2L * n) + d) / (2L * d) : -(((-2L * n) + d) / (2L * d)));
    }
}
