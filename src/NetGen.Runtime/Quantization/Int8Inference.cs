using System;
using System.ComponentModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Quantization
{
    /// <summary>The steps of an int8 forward pass, one call each, over spans: what <see cref="QuantizedNetwork"/> runs,
    /// and what a network generated with <c>[Network(Inference = Inference.Int8)]</c> calls with its baked constants.
    /// docs/quantization.md gives the maths. Each gives the same bits on every instruction path.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static partial class Int8Inference
    {
        /// <summary>The network's input to 7-bit codes: <c>q = clamp(round(x * inverseScale) + zeroPoint, 0, 127)</c>.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="zeroPoint"/> is outside [0, 127].</exception>
        public static void Quantize(ReadOnlySpan<float> x, float inverseScale, int zeroPoint, Span<byte> q) =>
            NetGen.Quantization.Quantize.SevenBit(x, inverseScale, zeroPoint, q);

        /// <summary><c>sums[m] = sum_k W[m, k] q[k]</c> on the best path, W packed (docs/quantization.md, "The kernels").</summary>
        public static void Multiply(ReadOnlySpan<sbyte> packed, int stride, ReadOnlySpan<byte> q, Span<int> sums) =>
            Int8Kernels.Multiply(packed, stride, q, sums, Int8Kernels.Best);

        /// <summary>After Identity or ReLU: <c>next[m] = clamp(zeroPoint + round(M[m] (sums[m] + offsets[m])), low, 127)</c>
        /// with <c>M[m] = mantissas[m] / 2^shifts[m]</c> below 1, rounding half away from zero: 16 units at a time with
        /// AVX-512F, 8 with AVX2 (the even and the odd units' products in two <c>vpmuludq</c>, each shifted by its own
        /// count), the rest one at a time, all exactly <see cref="FixedPointMultiplier.Apply"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Requantize(ReadOnlySpan<int> sums, ReadOnlySpan<int> offsets, ReadOnlySpan<int> mantissas, ReadOnlySpan<int> shifts, int zeroPoint, int low, Span<byte> next)
        {
            int units = offsets.Length, m = 0;
            if (sums.Length < units || mantissas.Length < units || shifts.Length < units || next.Length < units)
            {
                throw new ArgumentException("the requantisation's spans are shorter than its offsets");
            }

            ref int sum = ref MemoryMarshal.GetReference(sums);
            ref int offset = ref MemoryMarshal.GetReference(offsets);
            ref int mantissa = ref MemoryMarshal.GetReference(mantissas);
            ref int shift = ref MemoryMarshal.GetReference(shifts);
            if (Avx512F.IsSupported)
            {
                Vector512<int> z = Vector512.Create(zeroPoint), lo = Vector512.Create(low), hi = Vector512.Create(127);
                Vector512<ulong> lowHalf = Vector512.Create(0xFFFF_FFFFUL);
                for (; m + 16 <= units; m += 16)
                {
                    Vector512<int> x = Vector512.LoadUnsafe(ref sum, (nuint)m) + Vector512.LoadUnsafe(ref offset, (nuint)m);
                    Vector512<ulong> counts = Vector512.LoadUnsafe(ref shift, (nuint)m).AsUInt64();
                    Vector512<int> r = Avx512F.Min(Avx512F.Max(Rescale(x, Vector512.LoadUnsafe(ref mantissa, (nuint)m).AsUInt32(), counts & lowHalf, Avx512F.ShiftRightLogical(counts, 32)) + z, lo), hi);
                    Avx512F.ConvertToVector128Byte(r).StoreUnsafe(ref next[m]);
                }
            }

            if (Avx2.IsSupported)
            {
                Vector256<int> z = Vector256.Create(zeroPoint), lo = Vector256.Create(low), hi = Vector256.Create(127);
                Vector256<ulong> lowHalf = Vector256.Create(0xFFFF_FFFFUL);
                for (; m + 8 <= units; m += 8)
                {
                    Vector256<int> x = Vector256.LoadUnsafe(ref sum, (nuint)m) + Vector256.LoadUnsafe(ref offset, (nuint)m);
                    Vector256<ulong> counts = Vector256.LoadUnsafe(ref shift, (nuint)m).AsUInt64();
                    Vector256<int> r = Avx2.Min(Avx2.Max(Rescale(x, Vector256.LoadUnsafe(ref mantissa, (nuint)m).AsUInt32(), counts & lowHalf, Avx2.ShiftRightLogical(counts, 32)) + z, lo), hi);
                    StoreBytes(r, ref next[m]);
                }
            }

            for (; m < units; m++)
            {
                var multiplier = new FixedPointMultiplier(Unsafe.Add(ref mantissa, m), Unsafe.Add(ref shift, m));
                next[m] = (byte)Math.Clamp(zeroPoint + multiplier.Apply(Unsafe.Add(ref sum, m) + Unsafe.Add(ref offset, m)), low, 127);
            }
        }

        /// <summary><c>round(x M)</c> for 8 lanes, <c>M = factor / 2^count</c> below 1, rounding half away from zero: the even
        /// and the odd lanes' 64-bit products in two <c>vpmuludq</c>, each shifted by its own count (given per even lane
        /// and per odd lane, at least 1); exactly <see cref="FixedPointMultiplier.Apply"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector256<int> Rescale(Vector256<int> x, Vector256<uint> factor, Vector256<ulong> evenCount, Vector256<ulong> oddCount)
        {
            Vector256<ulong> one = Vector256.Create(1UL);
            Vector256<int> sign = Avx2.ShiftRightArithmetic(x, 31);
            Vector256<uint> magnitude = Avx2.Abs(x);
            Vector256<ulong> even = Avx2.Multiply(magnitude, factor);
            Vector256<ulong> odd = Avx2.Multiply(Avx2.ShiftRightLogical(magnitude.AsUInt64(), 32).AsUInt32(), Avx2.ShiftRightLogical(factor.AsUInt64(), 32).AsUInt32());
            even = Avx2.ShiftRightLogicalVariable(even + Avx2.ShiftLeftLogicalVariable(one, evenCount - one), evenCount);
            odd = Avx2.ShiftRightLogicalVariable(odd + Avx2.ShiftLeftLogicalVariable(one, oddCount - one), oddCount);
            Vector256<int> rounded = (even | Avx2.ShiftLeftLogical(odd, 32)).AsInt32(); // each below 2^31: the multipliers are below 1
            return (rounded ^ sign) - sign;
        }

        /// <summary><see cref="Rescale(Vector256{int}, Vector256{uint}, Vector256{ulong}, Vector256{ulong})"/> on 16 lanes
        /// (AVX-512F).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector512<int> Rescale(Vector512<int> x, Vector512<uint> factor, Vector512<ulong> evenCount, Vector512<ulong> oddCount)
        {
            Vector512<ulong> one = Vector512.Create(1UL);
            Vector512<int> sign = Avx512F.ShiftRightArithmetic(x, 31);
            Vector512<uint> magnitude = Avx512F.Abs(x);
            Vector512<ulong> even = Avx512F.Multiply(magnitude, factor);
            Vector512<ulong> odd = Avx512F.Multiply(Avx512F.ShiftRightLogical(magnitude.AsUInt64(), 32).AsUInt32(), Avx512F.ShiftRightLogical(factor.AsUInt64(), 32).AsUInt32());
            even = Avx512F.ShiftRightLogicalVariable(even + Avx512F.ShiftLeftLogicalVariable(one, evenCount - one), evenCount);
            odd = Avx512F.ShiftRightLogicalVariable(odd + Avx512F.ShiftLeftLogicalVariable(one, oddCount - one), oddCount);
            Vector512<int> rounded = (even | Avx512F.ShiftLeftLogical(odd, 32)).AsInt32(); // each below 2^31: the multipliers are below 1
            return (rounded ^ sign) - sign;
        }

        /// <summary>Eight int32 lanes, each within [0, 127], as 8 bytes in order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void StoreBytes(Vector256<int> r, ref byte target)
        {
            Vector256<short> words = Vector256.Narrow(r, r);
            Unsafe.WriteUnaligned(ref target, Vector256.Narrow(words, words).AsUInt64().GetElement(0));
        }

        /// <summary>After another activation: <c>h[m] = g(scales[m] (sums[m] + offsets[m]))</c> in float, with NetGen's
        /// portable exponential (then quantise <paramref name="h"/> for the next layer).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Activate(ReadOnlySpan<int> sums, ReadOnlySpan<int> offsets, ReadOnlySpan<float> scales, Activation activation, float alpha, Span<float> h)
        {
            for (int m = 0; m < offsets.Length; m++)
            {
                h[m] = Apply(activation, alpha, (sums[m] + offsets[m]) * scales[m]);
            }
        }

        /// <summary>The output layer: <c>a[m] = scales[m] (sums[m] + offsets[m])</c> in float, then Softmax (NetGen's
        /// portable exponential, the largest subtracted first), another activation, or none for
        /// <paramref name="logits"/>.</summary>
        /// <exception cref="ArgumentException">A span is shorter than <paramref name="offsets"/>; nothing was written.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Output(ReadOnlySpan<int> sums, ReadOnlySpan<int> offsets, ReadOnlySpan<float> scales, Activation activation, float alpha, bool logits, Span<float> y)
        {
            int n = offsets.Length;
            if (sums.Length < n || scales.Length < n || y.Length < n)
            {
                throw new ArgumentException("the output layer's spans are shorter than its offsets");
            }

            ref int sum = ref MemoryMarshal.GetReference(sums);
            ref int offset = ref MemoryMarshal.GetReference(offsets);
            ref float scale = ref MemoryMarshal.GetReference(scales);
            ref float target = ref MemoryMarshal.GetReference(y);
            int m = 0;
            float max = float.NegativeInfinity;
            if (Vector128.IsHardwareAccelerated && n >= 4)
            {
                // The int32 sum and its conversion are exact or rounded as the scalar conversion rounds, lane by lane.
                // The largest logit is found on the way, in registers, four lanes at a time: the order it is searched in
                // does not change it, and reading the stored values back in vectors would stall on the stores.
                Vector128<float> best = Vector128.Create(float.NegativeInfinity);
                for (; m + 4 <= n; m += 4)
                {
                    Vector128<float> a = Vector128.ConvertToSingle(Vector128.LoadUnsafe(ref sum, (nuint)m) + Vector128.LoadUnsafe(ref offset, (nuint)m));
                    a *= Vector128.LoadUnsafe(ref scale, (nuint)m);
                    a.StoreUnsafe(ref target, (nuint)m);
                    best = Max(best, a);
                }

                best = Max(best, Vector128.Shuffle(best, Vector128.Create(2, 3, 0, 1)));
                best = Max(best, Vector128.Shuffle(best, Vector128.Create(1, 0, 3, 2)));
                max = best.ToScalar();
            }

            for (; m < n; m++)
            {
                float a = (Unsafe.Add(ref sum, m) + Unsafe.Add(ref offset, m)) * Unsafe.Add(ref scale, m);
                Unsafe.Add(ref target, m) = a;
                max = Math.Max(max, a);
            }

            if (logits)
            {
                return;
            }

            if (activation == Activation.Softmax)
            {
                Softmax(y[..n], max);
                return;
            }

            for (m = 0; m < n; m++)
            {
                y[m] = Apply(activation, alpha, y[m]);
            }
        }

        /// <summary>Softmax in place, <paramref name="max"/> (the largest value, which the logits being finite makes
        /// the same whatever the order it was found in) subtracted first: the exponentials four lanes at a time (each lane
        /// exactly <see cref="PortableMath.Exp(float)"/>), the total summed in order, then each value divided by it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Softmax(Span<float> y, float max)
        {
            int n = y.Length, m;
            if (n == 0)
            {
                return;
            }

            ref float value = ref MemoryMarshal.GetReference(y);
            m = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                for (; m + 4 <= n; m += 4)
                {
                    PortableMath.Exp(Vector128.LoadUnsafe(ref value, (nuint)m) - Vector128.Create(max)).StoreUnsafe(ref value, (nuint)m);
                }
            }

            for (; m < n; m++)
            {
                Unsafe.Add(ref value, m) = PortableMath.Exp(Unsafe.Add(ref value, m) - max);
            }

            float total = 0;
            for (m = 0; m < n; m++)
            {
                total += Unsafe.Add(ref value, m);
            }

            m = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                for (; m + 4 <= n; m += 4)
                {
                    (Vector128.LoadUnsafe(ref value, (nuint)m) / Vector128.Create(total)).StoreUnsafe(ref value, (nuint)m);
                }
            }

            for (; m < n; m++)
            {
                Unsafe.Add(ref value, m) /= total;
            }
        }

        /// <summary>The instruction's maximum (<c>maxps</c>, <c>fmax</c>): which zero or NaN it returns differs between
        /// platforms, which no caller here can see (no NaN, and exp(x - 0) is exp(x) whichever the zero's sign).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Max(Vector128<float> x, Vector128<float> y) =>
#if NET9_0_OR_GREATER
            Vector128.MaxNative(x, y);
#else
            Vector128.Max(x, y);
#endif

        private static float Apply(Activation activation, float alpha, float a) => activation switch
        {
            Activation.LeakyReLU => a > 0 ? a : alpha * a,
            Activation.ELU => a > 0 ? a : alpha * (PortableMath.Exp(a) - 1),
            Activation.Sigmoid => PortableMath.Sigmoid(a),
            Activation.Tanh => PortableMath.Tanh(a),
            Activation.ReLU => Math.Max(a, 0),
            _ => a,
        };

        /// <summary>The message for a span of the wrong length.</summary>
        public static ArgumentException WrongLength(string name, int length, int expected) =>
            new(string.Create(CultureInfo.InvariantCulture, $"the {name} has {length} values; this network {(name == "input" ? "takes" : "gives")} {expected}"), name);
    }
}
